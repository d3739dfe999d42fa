"""CLI runs of init, render and package: exact output, exit codes, nothing written on error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_PROJECT

from apionly_deploy import __version__
from apionly_deploy.cli import cli


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(SAMPLE_PROJECT, target)
    return target


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    """--version prints the program and version."""
    assert run("--version") == (0, f"apionly-deploy, version {__version__}\n", "")


def test_python_dash_m_runs_the_cli() -> None:
    """`python -m apionly_deploy` is the same program as the console script."""
    done = subprocess.run(
        [sys.executable, "-m", "apionly_deploy", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == f"apionly-deploy, version {__version__}\n"


def test_render_source_layout(project: Path) -> None:
    """render writes sfdx source format into PROJECT/out/source by default."""
    code, out, err = run("render", "-p", str(project))
    assert (code, err) == (0, "")
    assert (
        out == f"rendered 4 component(s), 5 file(s), source format: {project / 'out' / 'source'}\n"
    )
    profile = (
        project / "out/source/force-app/main/default/profiles/Billing API Only.profile-meta.xml"
    )
    assert b"<name>ApiUserOnly</name>" in profile.read_bytes()
    assert (project / "out/source/sfdx-project.json").exists()


def test_render_mdapi_for_an_org(project: Path, tmp_path: Path) -> None:
    """--format mdapi with -o ORG uses that org's values."""
    out_dir = tmp_path / "md"
    code, out, _ = run(
        "render", "-p", str(project), "--format", "mdapi", "-o", "uat", "--out", str(out_dir)
    )
    assert code == 0
    assert out == f"rendered 4 component(s), 5 file(s), mdapi format: {out_dir}\n"
    assert b"198.51.100.0" in (out_dir / "profiles/Billing API Only.profile").read_bytes()


def test_package_writes_the_zip(project: Path) -> None:
    """package writes PROJECT/out/package.zip and says how big it is."""
    code, out, err = run("package", "-p", str(project))
    zip_path = project / "out" / "package.zip"
    assert (code, err) == (0, "")
    assert out == f"packaged 4 component(s), {zip_path.stat().st_size:,} bytes: {zip_path}\n"


def test_bad_project_exits_3_and_writes_nothing(project: Path) -> None:
    """A config error is one line on stderr, exit 3, and no output folder appears."""
    toml = project / "apionly.toml"
    toml.write_text(toml.read_text().replace('label = "ERP Orders"', 'lable = "ERP Orders"'))
    line = toml.read_text().splitlines().index('lable = "ERP Orders"') + 1
    code, out, err = run("render", "-p", str(project))
    assert code == 3
    assert out == ""
    assert err.startswith(
        f"Error: {toml}:{line}: permission_sets.ERP_Orders.lable: unknown key "
        "(did you mean 'label'?)"
    )
    assert err.count("\n") == 1
    assert not (project / "out").exists()


def test_init_scaffolds_a_project_that_renders(tmp_path: Path) -> None:
    """init writes a project that renders with no edits, and refuses to overwrite it."""
    target = tmp_path / "new"
    code, out, _ = run("init", str(target))
    assert code == 0
    assert out == (
        f"created {target / 'apionly.toml'}\ncreated {target / 'APIONLY.md'}\n"
        f"created {target / '.gitignore'}\nnext: apionly-deploy render -p {target}\n"
    )
    assert ".apionly/" in (target / ".gitignore").read_text().splitlines()
    assert run("render", "-p", str(target))[0] == 0
    code, _, err = run("init", str(target))
    assert code == 3
    assert "a project already exists here" in err


def test_every_command_has_help() -> None:
    """Each command explains itself."""
    for command in ("init", "render", "package"):
        code, out, _ = run(command, "--help")
        assert code == 0
        assert "Usage: " in out
