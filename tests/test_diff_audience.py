"""Review context: which declared users and groups each changed component reaches."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from apionly_deploy.cli import cli
from apionly_deploy.model.components import Kind, PermissionContainer, PermissionSetGroup
from apionly_deploy.review.audience import Assignment, Audience, audiences
from tests.conftest import SAMPLE_PROJECT

GROUP = PermissionSetGroup("G", permission_sets=("A",), muting_permission_sets=("M",))
PEOPLE = (
    Assignment("direct@x", permission_sets=("A",)),
    Assignment("grouped@x", profile="P", permission_set_groups=("G",)),
    Assignment("other@x", profile="Q", permission_sets=("B",)),
)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ((Kind.PERMISSION_SET, "A"), Audience(("direct@x", "grouped@x"), ("G",))),
        ((Kind.MUTING_PERMISSION_SET, "M"), Audience(("grouped@x",), ("G",))),
        ((Kind.PERMISSION_SET_GROUP, "G"), Audience(("grouped@x",), ())),
        ((Kind.PROFILE, "P"), Audience(("grouped@x",), ())),
        ((Kind.PERMISSION_SET, "Nobody"), None),
    ],
)
def test_audience_of_each_kind(key: tuple[Kind, str], expected: Audience | None):
    components = (GROUP, PermissionContainer(Kind.PERMISSION_SET, "A"))
    assert audiences([key], components, PEOPLE).get(key) == expected


@pytest.fixture
def changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample project committed, then ERP_Accounts widened and the profile's range too."""
    project = tmp_path / "p"
    shutil.copytree(SAMPLE_PROJECT, project, ignore=shutil.ignore_patterns(".apionly"))
    monkeypatch.chdir(project)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    for step in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run([*git, *step], check=True)
    text = (project / "apionly.toml").read_text()
    text = text.replace('Contact = ["read"]', 'Contact = ["read", "edit"]')
    (project / "apionly.toml").write_text(text.replace('"198.51.100.15"', '"198.51.100.255"'))
    return project


def test_text_markdown_and_json_name_users_and_groups(changed: Path):
    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["diff", "-o", "uat", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    text = run()
    assert (
        "PermissionSet ERP_Accounts  (0 high, 1 medium, 0 low)\n"
        "  reaches users erp.integration@acme.example.uat; groups ERP_Integration\n"
    ) in text
    assert "  reaches users billing.integration@acme.example.uat\n" in text
    markdown = run("--format", "markdown")
    assert (
        "Reaches users <code>erp.integration@acme.example.uat</code>; groups "
        "<code>ERP_Integration</code>."
    ) in markdown
    components = {c["name"]: c for c in json.loads(run("--json"))["components"]}
    assert components["Billing API Only"]["users"] == ["billing.integration@acme.example.uat"]
    assert components["ERP_Accounts"]["groups"] == ["ERP_Integration"]
