"""`apionly-deploy diff` on paths: output, exit codes, --fail-on, GitHub job summary, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_PROJECT
from golden import GOLDEN

from apionly_deploy.cli import cli

DIFF_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "diff"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the CLI from the diff fixtures folder, so labels are short relative paths."""
    monkeypatch.chdir(DIFF_FIXTURES)

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, ["diff", *args], catch_exceptions=False)

    return invoke


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("markdown", "md"), ("json", "json")])
def test_path_mode_prints_the_golden_report(run, fmt: str, suffix: str) -> None:  # type: ignore[no-untyped-def]
    result = run("crafted/base", "crafted/head", "--format", fmt)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (GOLDEN / "diff" / f"crafted.{suffix}").read_text(encoding="utf-8")


def test_two_single_files_are_compared_whatever_their_names(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "real/v1/permissionsets/AAAP_User.permissionset-meta.xml",
        "crafted/head/permissionsets/ERP_Integration.permissionset-meta.xml",
        "--format",
        "json",
    )
    document = json.loads(result.stdout)
    assert [c["name"] for c in document["components"]] == ["ERP_Integration"]


@pytest.mark.parametrize(
    ("pair", "fail_on", "code", "stderr"),
    [
        (
            ("crafted/base", "crafted/head"),
            "high",
            1,
            "diff: 11 change(s) rated high (--fail-on high)\n",
        ),
        (
            ("crafted/base", "crafted/head"),
            "medium",
            1,
            "diff: 11 change(s) rated high (--fail-on medium)\n",
        ),
        (("real/v1", "real/v2"), "high", 0, ""),
        (
            ("real/v1", "real/v2"),
            "medium",
            1,
            "diff: 54 change(s) rated medium (--fail-on medium)\n",
        ),
    ],
)
def test_fail_on(run, pair: tuple[str, str], fail_on: str, code: int, stderr: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*pair, "--format", "json", "--fail-on", fail_on)
    assert (result.exit_code, result.stderr) == (code, stderr)
    assert json.loads(result.stdout)["base"] == pair[0]


def test_github_actions_appends_markdown_to_the_job_summary(
    run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run("crafted/base", "crafted/head")
    assert result.exit_code == 0
    markdown = (GOLDEN / "diff" / "crafted.md").read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == "# earlier step\n" + markdown + "\n"
    assert result.stdout == (GOLDEN / "diff" / "crafted.txt").read_text(encoding="utf-8")


def test_no_job_summary_outside_github_actions(
    run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run("real/v1", "real/v2").exit_code == 0
    assert not summary.exists()


def test_custom_rules(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"id": "all", "risk": "high", "reason": "strict"}]}))
    result = run(
        "real/v1", "real/v2", "--rules", str(rules), "--fail-on", "high", "--format", "json"
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["high"] == 64


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            (
                "real/v1/permissionsets/AAAP_User.permissionset-meta.xml",
                "real/v1/profiles/E-Bikes Profile.profile",
            ),
            2,
            "Error: real/v1/permissionsets/AAAP_User.permissionset-meta.xml is a PermissionSet and "
            "real/v1/profiles/E-Bikes Profile.profile is a Profile; compare two files of the same type\n",
        ),
        (
            ("SOURCES.md", "real/v1/profiles/E-Bikes Profile.profile"),
            2,
            "Error: SOURCES.md: not a Profile, PermissionSet, MutingPermissionSet or PermissionSetGroup "
            "file (expected a name like X.permissionset-meta.xml)\n",
        ),
        (("real/v1", "missing"), 2, "Error: missing: no such file or folder\n"),
        (
            ("real/v1", "real/v2/profiles/E-Bikes Profile.profile"),
            2,
            "Error: compare a file with a file or a folder with a folder: real/v1, "
            "real/v2/profiles/E-Bikes Profile.profile\n",
        ),
        (("real", "crafted/head"), 0, ""),
    ],
)
def test_bad_paths_are_one_line_errors(run, args: tuple[str, ...], code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert (result.exit_code, result.stderr) == (code, message)


def test_not_a_permission_document(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "Other.profile-meta.xml"
    other.write_text(
        '<?xml version="1.0"?><CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"/>'
    )
    result = run(str(other), "real/v1/profiles/E-Bikes Profile.profile")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {other}:1:1: <CustomObject> is not a Profile, PermissionSet, "
        "MutingPermissionSet or PermissionSetGroup\n"
    )


def test_folder_without_permission_files(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(str(tmp_path), "real/v1")
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {tmp_path}: no Profile, PermissionSet, MutingPermissionSet or PermissionSetGroup "
        "files in this folder\n",
    )


def test_usage_errors(run) -> None:  # type: ignore[no-untyped-def]
    too_many = run("a", "b", "c")
    assert too_many.exit_code == 2 and "give at most two refs or paths" in too_many.stderr
    one_file = run("real/v1/profiles/E-Bikes Profile.profile")
    assert one_file.exit_code == 2 and "give two files to compare" in one_file.stderr
    org_and_refs = run("--from-org", "prod", "main")
    assert (
        org_and_refs.exit_code == 2
        and "--from-org compares the project with the org" in org_and_refs.stderr
    )


def test_org_mode_with_an_unknown_org_is_a_config_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "p"
    shutil.copytree(SAMPLE_PROJECT, project, ignore=shutil.ignore_patterns(".apionly"))
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["diff", "--from-org", "nowhere"])
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: apionly.toml:15: orgs: no org named 'nowhere'; define [orgs.nowhere] or use one "
        "of: env, local, uat\n"
    )


def test_target_org_renders_both_sides_with_the_org_vars(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Widening UAT's login range shows only with -o uat; --fail-on high then exits 1."""
    import subprocess

    project = tmp_path / "p"
    shutil.copytree(SAMPLE_PROJECT, project, ignore=shutil.ignore_patterns(".apionly"))
    monkeypatch.chdir(project)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    text = (project / "apionly.toml").read_text()
    (project / "apionly.toml").write_text(text.replace('"198.51.100.15"', '"198.51.100.255"'))
    plain = CliRunner().invoke(cli, ["diff", "--fail-on", "high"])
    assert plain.exit_code == 0 and "No permission changes." in plain.stdout
    uat = CliRunner().invoke(cli, ["diff", "-o", "uat", "--fail-on", "high"])
    assert uat.exit_code == 1
    assert "HIGH    login IP range: 198.51.100.0-198.51.100.255  widen" in uat.stdout
    env = CliRunner().invoke(cli, ["diff", "--json"], env={"APIONLY_TARGET_ORG": "uat"})
    doc = json.loads(env.stdout)
    assert doc["summary"]["high"] == 1


def test_help_lists_the_modes() -> None:
    result = CliRunner().invoke(cli, ["diff", "--help"])
    assert result.exit_code == 0
    assert "apionly-deploy diff PATH_A PATH_B" in result.stdout
    assert "--fail-on [high|medium]" in result.stdout
