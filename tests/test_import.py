"""`apionly-deploy import`: hand-written and retrieved files adopted into apionly.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lossless_support import FIXTURES, load_tables, normalised

from apionly_deploy.cli import cli
from apionly_deploy.model.components import PermissionContainer
from apionly_deploy.model.parse import parse_component_bytes, parse_component_file
from apionly_deploy.render.templates import component_xml

NS = "http://soap.sforce.com/2006/04/metadata"


def doc(root: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}</{root}>\n'


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def force_app(tmp_path: Path) -> Path:
    """An sfdx package folder with a permission set, a profile and other metadata."""
    base = tmp_path / "force-app" / "main" / "default"
    (base / "permissionsets").mkdir(parents=True)
    (base / "profiles").mkdir()
    (base / "classes").mkdir()
    (base / "classes" / "ErpSync.cls-meta.xml").write_text(
        doc("ApexClass", "<status>Active</status>")
    )
    shutil.copy(
        FIXTURES / "real-lossless" / "hotservice__HOT_Puzzel_integration.permissionset-meta.xml",
        base / "permissionsets" / "HOT_Puzzel_integration.permissionset-meta.xml",
    )
    shutil.copy(
        FIXTURES / "real-lossless" / "lsstarter__Standard.profile-meta.xml",
        base / "profiles" / "Standard.profile-meta.xml",
    )
    return tmp_path / "force-app"


def test_import_adopts_a_package_folder_and_render_gives_every_entry_back(
    tmp_path: Path, force_app: Path
) -> None:
    project = tmp_path / "project"
    code, out, err = run("import", "-p", str(project), str(force_app))
    assert code == 0, err
    assert out == "added PermissionSet HOT_Puzzel_integration\nadded Profile Standard\n"
    text = (project / "apionly.toml").read_text()
    assert 'external_credential_principals = ["Puzzel_Token-Puzzel_Integration_User"]' in text
    loaded = load_tables(project, text.split("\n", 2)[2])
    for path in sorted(force_app.rglob("*.*-meta.xml")):
        if "classes" in path.parts:
            continue
        original = parse_component_file(path)
        again = loaded[(original.kind, original.name)]
        rendered = parse_component_bytes(component_xml(again, api_version="66.0"), name=again.name)
        assert normalised(rendered) == normalised(original)


def test_an_existing_table_is_kept_unless_replace(tmp_path: Path, force_app: Path) -> None:
    project = tmp_path / "project"
    assert run("import", "-p", str(project), str(force_app))[0] == 0
    before = (project / "apionly.toml").read_bytes()
    code, _, err = run("import", "-p", str(project), str(force_app))
    assert code == 3
    assert "permission_sets.HOT_Puzzel_integration exists already; pass --replace" in err
    assert (project / "apionly.toml").read_bytes() == before
    code, out, err = run("import", "-p", str(project), "--replace", str(force_app))
    assert code == 0, err
    assert out == "replaced PermissionSet HOT_Puzzel_integration\nreplaced Profile Standard\n"
    text = (project / "apionly.toml").read_text()
    assert text.count("[permission_sets.HOT_Puzzel_integration]") == 1
    assert len(load_tables(project, text.split("\n", 2)[2])) == 2


def test_a_file_that_is_not_permission_metadata_is_refused_by_name(tmp_path: Path) -> None:
    other = tmp_path / "ErpSync.cls-meta.xml"
    other.write_text(doc("ApexClass", "<status>Active</status>"))
    code, _, err = run("import", "-p", str(tmp_path), str(other))
    assert code == 1
    assert f"{other}: <ApexClass> is not a Profile, PermissionSet" in err
    assert not (tmp_path / "apionly.toml").exists()


def test_two_files_declaring_one_component_are_refused_naming_both(tmp_path: Path) -> None:
    one = tmp_path / "a" / "Sync.permissionset-meta.xml"
    two = tmp_path / "b" / "Sync.permissionset"
    for path in (one, two):
        path.parent.mkdir()
        path.write_text(doc("PermissionSet", "<label>Sync</label>"))
    code, _, err = run("import", "-p", str(tmp_path), str(one), str(two))
    assert code == 1
    assert f"{one} and {two} both declare PermissionSet 'Sync'" in err
    assert not (tmp_path / "apionly.toml").exists()


def test_what_real_files_carry_by_accident_is_adopted_with_a_warning(tmp_path: Path) -> None:
    body = (
        "<classAccesses><apexClass>A</apexClass><enabled>true</enabled></classAccesses>\n"
        "<classAccesses><apexClass>A</apexClass><enabled>false</enabled></classAccesses>\n"
        "<flowAccesses><enabled>True</enabled><flow>F</flow></flowAccesses>\n"
        "<flowAccesses><enabled>true</enabled><flow>F</flow></flowAccesses>\n"
        "<label>Sync</label> left over\n"
    )
    path = tmp_path / "Sync.permissionset-meta.xml"
    path.write_text(doc("PermissionSet", body))
    code, _, err = run("import", "-p", str(tmp_path), str(path))
    assert code == 0, err
    assert (
        f"warning: {path}:4: class_accesses A repeats line 3: values differ, the last kept" in err
    )
    assert f"warning: {path}:6: <flowAccesses> F repeats line 5: same values, kept once" in err
    assert f"warning: {path}:5: True read as true (Salesforce writes it so)" in err
    assert f"warning: {path}:7: stray text after <label> ignored" in err
    (component,) = load_tables(
        tmp_path, (tmp_path / "apionly.toml").read_text().split("\n", 2)[2]
    ).values()
    assert isinstance(component, PermissionContainer)
    assert [(a.name, a.enabled) for a in component.class_accesses] == [("A", False)]
    assert [n.tag for n in component.extras] == ["flowAccesses"]


def test_a_refusal_leaves_the_project_file_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "apionly.toml").write_text('[project]\napi_version = "62.0"  # kept\n')
    before = (tmp_path / "apionly.toml").read_bytes()
    path = tmp_path / "X.permissionset-meta.xml"
    path.write_text(
        doc(
            "PermissionSet",
            "<fieldPermissions><editable>true</editable><field>A.b</field>"
            "<readable>false</readable></fieldPermissions><label>X</label>",
        )
    )
    code, _, err = run("import", "-p", str(tmp_path), str(path))
    assert code == 1
    assert "PermissionSet X: field A.b is editable but not readable" in err
    assert (tmp_path / "apionly.toml").read_bytes() == before


def test_import_keeps_what_the_project_file_already_says(tmp_path: Path) -> None:
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample-project", tmp_path / "p")
    before = (tmp_path / "p" / "apionly.toml").read_text()
    path = tmp_path / "New_Set.permissionset-meta.xml"
    path.write_text(doc("PermissionSet", "<label>New Set</label>"))
    assert run("import", "-p", str(tmp_path / "p"), str(path))[0] == 0
    after = (tmp_path / "p" / "apionly.toml").read_text()
    assert after.startswith(before) and "[permission_sets.New_Set]" in after
    assert run("render", "-p", str(tmp_path / "p"), "--out", str(tmp_path / "out"))[0] == 0
    assert (
        tmp_path / "out" / "force-app/main/default/permissionsets/New_Set.permissionset-meta.xml"
    ).exists()
