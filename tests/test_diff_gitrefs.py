"""`diff` between git refs: rendered in a temporary export, the user's checkout left alone."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_PROJECT

from apionly_deploy.cli import cli
from apionly_deploy.errors import DiffInputError
from apionly_deploy.review.gitrefs import WORKING_TREE, default_base, ref_side, worktree_side

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

PROFILE = '[profiles."Billing API Only"]'
ROOT = SAMPLE_PROJECT.parent


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "-C", str(repo), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repo on main holding the sample project under ``project/``, then a feature branch."""
    root = tmp_path / "repo"
    shutil.copytree(SAMPLE_PROJECT, root / "project", ignore=shutil.ignore_patterns(".apionly"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def edit_project(repo: Path, old: str, new: str) -> None:
    path = repo / "project" / "apionly.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def grant_read_on_case(repo: Path) -> None:
    edit_project(
        repo,
        'objects = { Account = ["read"], Opportunity',
        'objects = { Account = ["read"], Case = ["read"], Opportunity',
    )


def run_diff(repo: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(repo / "project")
    result = CliRunner().invoke(cli, ["diff", *args, "--format", "json"], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def keys(stdout: str) -> set[tuple[str, str, str]]:
    return {
        (component["name"], change["key"], change["action"])
        for component in json.loads(stdout)["components"]
        for change in component["changes"]
    }


def test_default_base_is_the_merge_base_with_main(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant_read_on_case(repo)
    git(repo, "commit", "-q", "-am", "case")
    code, stdout, stderr = run_diff(repo, monkeypatch=monkeypatch)
    assert (code, stderr) == (0, "")
    document = json.loads(stdout)
    assert document["base"].startswith("main (merge base ")
    assert document["head"] == WORKING_TREE
    assert document["notes"] == []
    assert keys(stdout) == {("Billing API Only", "Case", "grant")}


def test_dirty_working_tree_is_diffed_as_it_is_with_a_note(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant_read_on_case(repo)
    code, stdout, _ = run_diff(repo, monkeypatch=monkeypatch)
    assert code == 0
    assert keys(stdout) == {("Billing API Only", "Case", "grant")}
    (note,) = json.loads(stdout)["notes"]
    assert note.startswith("the working tree has 1 uncommitted change(s) under ")
    assert note.endswith("; they are diffed as they are")


def test_two_refs_and_the_checkout_is_untouched(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grant_read_on_case(repo)
    git(repo, "commit", "-q", "-am", "case")
    edit_project(
        repo,
        'api_only = true\nobjects = { Account = ["read"]',
        'api_only = false\nobjects = { Account = ["read"]',
    )
    status_before = git(repo, "status", "--porcelain")
    code, stdout, _ = run_diff(repo, "main", "feature", monkeypatch=monkeypatch)
    assert code == 0
    assert keys(stdout) == {
        ("Billing API Only", "Case", "grant")
    }  # the uncommitted edit is not in HEAD
    assert git(repo, "status", "--porcelain") == status_before
    assert git(repo, "worktree", "list").count("\n") == 1
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "feature"


def test_api_only_dropped_from_a_profile_stays_granted(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`api_only = false` drops ApiUserOnly from the Profile file: the org keeps it."""
    edit_project(
        repo,
        'api_only = true\nobjects = { Account = ["read"]',
        'api_only = false\nobjects = { Account = ["read"]',
    )
    code, stdout, _ = run_diff(repo, "main", "--fail-on", "high", monkeypatch=monkeypatch)
    assert code == 0
    changes = {c["key"]: c for comp in json.loads(stdout)["components"] for c in comp["changes"]}
    assert changes["ApiUserOnly"]["action"] == "stays"
    assert changes["ApiUserOnly"]["note"] == "stays granted in the org; set it to false to revoke"


def test_modify_all_data_on_a_permission_set_fails_on_high(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_project(
        repo,
        'label = "ERP Orders"',
        'label = "ERP Orders"\nuser_permissions = ["ModifyAllData"]',
    )
    code, stdout, stderr = run_diff(repo, "main", "--fail-on", "high", monkeypatch=monkeypatch)
    assert (code, stderr) == (1, "diff: 1 change(s) rated high (--fail-on high)\n")
    assert ("ERP_Orders", "ModifyAllData", "grant") in keys(stdout)


def test_a_template_change_is_high_risk_even_when_the_xml_is_the_same(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Templates are code from a pull request: any change under templates/ is rated high."""
    templates = repo / "project" / "templates"
    templates.mkdir()
    shutil.copy(ROOT / "templates" / "permissionset.xml.j2", templates)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "override a template")
    with (templates / "permissionset.xml.j2").open("a", encoding="utf-8") as handle:
        handle.write("{# same XML, new code #}")
    (templates / "extra.j2").write_text("x", encoding="utf-8")
    code, stdout, stderr = run_diff(repo, "main", "HEAD", monkeypatch=monkeypatch)
    assert (code, stderr) == (0, "")
    [component] = json.loads(stdout)["components"]
    assert (component["kind"], component["name"]) == ("Template", "templates")
    assert [(c["key"], c["action"], c["risk"]) for c in component["changes"]] == [
        ("permissionset.xml.j2", "add", "high")
    ]
    code, stdout, _ = run_diff(repo, "HEAD", "--fail-on", "high", monkeypatch=monkeypatch)
    [component] = json.loads(stdout)["components"]
    assert code == 1
    assert [(c["key"], c["action"]) for c in component["changes"]] == [
        ("extra.j2", "add"),
        ("permissionset.xml.j2", "change"),
    ]


def test_unknown_ref_is_a_usage_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, stdout, stderr = run_diff(repo, "no-such-branch", monkeypatch=monkeypatch)
    assert (code, stdout) == (2, "")
    assert stderr.startswith("Error: 'no-such-branch' is not a branch, tag or commit in ")
    code, _, stderr = run_diff(repo, "--upload-pack=x", "main", monkeypatch=monkeypatch)
    assert code == 2  # looks like an option: refused before git sees it


def test_project_missing_at_the_ref(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    moved = repo / "other"
    shutil.copytree(repo / "project", moved)
    git(repo, "add", "other")
    git(repo, "commit", "-q", "-m", "other")
    monkeypatch.chdir(moved)
    result = CliRunner().invoke(cli, ["diff", "main"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: the project folder other does not exist at ")


def test_not_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(DiffInputError, match="is not inside a git repository"):
        ref_side(tmp_path, "main")


def test_no_default_branch(repo: Path) -> None:
    git(repo, "branch", "-q", "-m", "main", "trunk")
    with pytest.raises(DiffInputError, match="cannot find the default branch"):
        default_base(repo)
    commit, label = default_base(repo, prefer="trunk")
    assert label == f"trunk (merge base {commit[:7]})"


def test_worktree_outside_git_has_no_note(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE_PROJECT, tmp_path / "p", ignore=shutil.ignore_patterns(".apionly"))
    side = worktree_side(tmp_path / "p")
    assert side.notes == ()
    assert {c.name for c in side.components} >= {"Billing API Only"}


def test_org_mode_against_the_local_org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before a deploy everything is new; after it nothing differs; then only the edit shows."""
    project = tmp_path / "p"
    shutil.copytree(SAMPLE_PROJECT, project, ignore=shutil.ignore_patterns(".apionly"))
    monkeypatch.chdir(project)
    runner = CliRunner()

    before = runner.invoke(cli, ["diff", "--from-org", "local", "--format", "json"])
    assert before.exit_code == 0, before.output
    document = json.loads(before.stdout)
    assert document["base"] == "org local"
    assert any("named 'ERP_Accounts' cannot be found" in note for note in document["notes"])
    added = {(c["kind"], c["name"]) for c in document["components"]}
    assert ("Profile", "Billing API Only") in added
    licenses = [
        ch for c in document["components"] for ch in c["changes"] if ch["category"] == "license"
    ]
    assert {ch["rule"] for ch in licenses} == {"license-of-new-component"}

    deployed = runner.invoke(cli, ["deploy", "start", "-o", "local"])
    assert deployed.exit_code == 0, deployed.output
    same = runner.invoke(cli, ["diff", "--from-org", "local"])
    assert (same.exit_code, same.stdout) == (
        0,
        "Permission diff: org local -> working tree\n\nNo permission changes.\n",
    )

    toml = project / "apionly.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace(
            'label = "ERP Orders"', 'label = "ERP Orders"\nuser_permissions = ["ModifyAllData"]'
        ).replace(
            'api_only = true\nobjects = { Account = ["read"]',
            'api_only = false\nobjects = { Account = ["read"]',
        ),
        encoding="utf-8",
    )
    after = runner.invoke(
        cli, ["diff", "--from-org", "local", "--format", "json", "--fail-on", "high"]
    )
    assert after.exit_code == 1
    document = json.loads(after.stdout)
    assert keys(after.stdout) == {("ERP_Orders", "ModifyAllData", "grant")}
    assert (
        document["notes"][-1]
        == "2 Profile entries the project does not manage stay as they are (not listed)"
    )


def test_a_base_commit_with_an_absolute_symlink_is_diffed_and_the_link_left_out(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tarfile` refused the whole export (a traceback, exit 1 read as "high risk")."""
    git(repo, "checkout", "-q", "main")
    (repo / "project" / "passwd").symlink_to("/etc/passwd")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a link")
    git(repo, "checkout", "-q", "-b", "change")
    grant_read_on_case(repo)
    code, stdout, stderr = run_diff(repo, "main", monkeypatch=monkeypatch)
    assert (code, stderr) == (0, "")
    [note, _uncommitted] = json.loads(stdout)["notes"]
    assert note.endswith(
        "project/passwd: left out ('project/passwd' is a link to an absolute path)"
    )
    assert keys(stdout) == {("Billing API Only", "Case", "grant")}
