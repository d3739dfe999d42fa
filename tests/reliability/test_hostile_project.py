"""A hostile project file from a pull request: it may not redefine the built-in targets, read
the pipeline's environment, or name an org that leaves the project folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from apionly_deploy.errors import ConfigError
from apionly_deploy.project.config import load_project
from apionly_deploy.project.pipeline import ValidationFailed, build_project, validate_project

from .support import Cli

ORG = """[orgs.{name}]
auth = "client-credentials"
login_url = "{url}"
client_id = "x"
"""


def project(tmp_path: Path, text: str) -> Path:
    (tmp_path / "apionly.toml").write_text(text)
    return tmp_path


@pytest.mark.parametrize("name", ["env", "local"])
def test_the_built_in_targets_are_reserved(tmp_path, name):
    folder = project(tmp_path, "[project]\n" + ORG.format(name=name, url="https://evil.example"))
    result = Cli({"APIONLY_ACCESS_TOKEN": "t", "APIONLY_INSTANCE_URL": "https://x.example"})(
        "deploy", "report", "-p", str(folder), "-o", name, "--job-id", "0Af000000000001AAA"
    )
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(f"Error: {folder / 'apionly.toml'}:2: orgs.{name}: ")
    assert f"'{name}' is a reserved org name" in result.stderr


@pytest.mark.parametrize("name", ["../../x", "a b", "x" * 65])
def test_org_names_cannot_become_paths(tmp_path, name):
    result = Cli({})("retrieve", "-p", str(project(tmp_path, "[project]\n")), "-o", name, "--all")
    assert result.exit_code == 3, result.output
    assert "is not an org name" in result.stderr
    assert not (tmp_path.parent / "x").exists()


def test_an_orgs_table_reads_only_apionly_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.setenv("APIONLY_LOGIN_HOST", "login.example")
    text = ORG.format(name="x", url="https://${APIONLY_LOGIN_HOST}/${GITHUB_TOKEN}")
    with pytest.raises(ConfigError) as caught:
        load_project(project(tmp_path, text), org="x")
    assert "apionly.toml:1: orgs.x: ${GITHUB_TOKEN} names an environment variable" in str(
        caught.value
    )
    assert "ghs_secret" not in str(caught.value)
    allowed = project(tmp_path, '[project]\nenvironment = ["GITHUB_TOKEN"]\n' + text)
    login_url = load_project(allowed, org="x").orgs["x"]["login_url"]
    assert login_url == "https://login.example/ghs_secret"


def test_auth_local_in_a_table_is_a_config_error(tmp_path):
    text = '[orgs.mine]\nauth = "local"\n'
    result = Cli({})("deploy", "report", "-p", str(project(tmp_path, text)), "-o", "mine")
    assert result.exit_code == 3, result.output
    assert "orgs.mine.auth: 'local' is not a login flow" in result.stderr


PERMISSION_SET = "[permission_sets.Erp]\nlabel = 'Erp'\n"


def test_a_project_template_cannot_reach_python(tmp_path):
    """A pull request's template ran a shell command and read GITHUB_TOKEN; the sandbox stops it."""
    folder = project(tmp_path, PERMISSION_SET)
    (folder / "templates").mkdir()
    (folder / "templates" / "permissionset.xml.j2").write_text(
        "{{ cycler.__init__.__globals__.os.popen('echo pwned').read() }}"
    )
    result = Cli({})("package", "-p", str(folder))
    assert result.exit_code == 1, result.output
    assert "project templates run in a sandbox" in result.stderr
    assert "pwned" not in result.output


def test_a_project_template_cannot_include_a_link_out_of_its_folder(tmp_path):
    folder = project(tmp_path, PERMISSION_SET)
    (folder / "templates").mkdir()
    (folder / "templates" / "secrets.txt").symlink_to("/proc/self/environ")
    (folder / "templates" / "permissionset.xml.j2").write_text('{% include "secrets.txt" %}')
    result = Cli({})("package", "-p", str(folder))
    assert result.exit_code == 1, result.output
    assert "secrets.txt: a link out of the templates folder" in result.stderr


CONTROL_CHARACTER = PERMISSION_SET + 'description = "a\\u0001b"\n'


@pytest.mark.parametrize(
    "command", [["render"], ["package"], ["deploy", "start", "-o", "local"]], ids=" ".join
)
def test_what_validate_refuses_is_never_written(tmp_path, command):
    """A control character in a description failed `validate` but was written and uploaded."""
    folder = project(tmp_path, CONTROL_CHARACTER)
    assert Cli({})("validate", "-p", str(folder)).exit_code == 1
    result = Cli({})(*command, "-p", str(folder))
    assert result.exit_code == 1, result.output
    assert "1 validation error(s) in" in result.stderr
    assert "nothing was written" in result.stderr
    assert not (folder / "out").exists()


def test_validate_and_the_pipeline_find_the_same(tmp_path):
    folder = project(tmp_path, CONTROL_CHARACTER)
    with pytest.raises(ValidationFailed) as failed:
        build_project(folder)
    assert list(failed.value.findings) == validate_project(folder)
    assert [f.rule for f in failed.value.findings] == ["AO001"]


@pytest.mark.parametrize("command", [["doctor"], ["users", "plan"]], ids=" ".join)
def test_a_missing_ca_certificate_is_one_config_line(tmp_path, command):
    """doctor reported a missing APIONLY_CA_CERT as "API access is not available" (exit 1)."""
    missing = tmp_path / "no-such-ca.pem"
    env = {
        "APIONLY_CA_CERT": str(missing),
        "APIONLY_INSTANCE_URL": "https://127.0.0.1:9",
        "APIONLY_ACCESS_TOKEN": "00Dxx!token",
    }
    result = Cli(env)(*command, "-p", str(project(tmp_path, PERMISSION_SET)), "-o", "env")
    assert result.exit_code == 3, result.output
    assert result.stderr == (
        f"Error: APIONLY_CA_CERT: {missing}: no such file; point it at the CA certificate (PEM) "
        "that signs the org's TLS certificate\n"
    )
