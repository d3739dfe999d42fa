"""Rendering: golden output per template, determinism, Salesforce's formatting, overrides."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, SAMPLE_PROJECT
from golden import assert_golden

from apionly_deploy.errors import ConfigError, RenderError
from apionly_deploy.model.components import (
    Access,
    Kind,
    LoginHours,
    Node,
    PermissionContainer,
    PermissionSetGroup,
    RecordTypeVisibility,
    UserPermission,
)
from apionly_deploy.model.parse import parse_component_bytes, parse_component_file
from apionly_deploy.project.pipeline import build_project
from apionly_deploy.render.templates import (
    Layout,
    component_xml,
    package_xml,
    render_files,
    write_tree,
)

REAL = sorted(p for p in (FIXTURES / "real-metadata").iterdir() if p.suffix != ".md")
PRETTIER = {"coralcloud__", "dreamhouse__", "lwcrecipes__"}


@pytest.mark.parametrize("layout", list(Layout))
def test_sample_project_matches_golden_files(layout: Layout) -> None:
    """Every template's output for the sample project is pinned byte for byte."""
    files = build_project(SAMPLE_PROJECT).render(layout)
    for rel, data in files.items():
        assert_golden(f"render/{layout.value}/{rel}", data)
    golden_dir = Path(__file__).parent / "golden" / "render" / layout.value
    on_disk = {str(p.relative_to(golden_dir)) for p in golden_dir.rglob("*") if p.is_file()}
    assert on_disk == set(files)


def test_rendering_twice_gives_identical_bytes() -> None:
    """Same input, same bytes: nothing depends on dict order, time or the machine."""
    first = build_project(SAMPLE_PROJECT).render(Layout.MDAPI)
    second = build_project(SAMPLE_PROJECT).render(Layout.MDAPI)
    assert first == second


def test_per_org_values_give_two_deterministic_outputs() -> None:
    """`-o uat` overlays [orgs.uat.vars]; each org's output is stable and they differ."""
    prod = build_project(SAMPLE_PROJECT).render(Layout.MDAPI)
    uat = build_project(SAMPLE_PROJECT, org="uat").render(Layout.MDAPI)
    assert uat == build_project(SAMPLE_PROJECT, org="uat").render(Layout.MDAPI)
    profile = "profiles/Billing API Only.profile"
    assert b"<startAddress>198.51.100.0</startAddress>" in uat[profile]
    assert b"<startAddress>203.0.113.0</startAddress>" in prod[profile]
    assert b"(UAT)" in uat["permissionsets/ERP_Accounts.permissionset"]


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_salesforce_files_render_back_to_the_same_bytes(path: Path) -> None:
    """Parse then render reproduces what Salesforce retrieved, byte for byte."""
    original = path.read_bytes()
    rendered = component_xml(parse_component_file(path), api_version="62.0")
    if any(path.name.startswith(prefix) for prefix in PRETTIER):
        # these went through prettier after retrieval: only the declaration differs
        original = original.replace(b'encoding="UTF-8" ?>', b'encoding="UTF-8"?>', 1)
    assert rendered == original


def test_render_then_parse_is_a_fixed_point() -> None:
    """render -> parse -> render gives the same bytes (the model loses nothing)."""
    for rel, data in build_project(SAMPLE_PROJECT).render(Layout.MDAPI).items():
        if rel == "package.xml":
            continue
        component = parse_component_bytes(data, name=Path(rel).stem)
        assert component_xml(component, api_version="62.0") == data


def test_text_is_escaped_like_salesforce_does() -> None:
    """&, <, >, quotes and apostrophes use Salesforce's entity names."""
    ps = PermissionContainer(
        kind=Kind.PERMISSION_SET, name="X", label='R&D "Ops" <it\'s>', has_activation_required=False
    )
    xml = component_xml(ps, api_version="62.0")
    assert b"<label>R&amp;D &quot;Ops&quot; &lt;it&apos;s&gt;</label>" in xml


def test_entries_are_sorted_and_untyped_elements_keep_schema_order() -> None:
    """Entries sort by key; untyped elements land at their alphabetical place."""
    ps = PermissionContainer(
        kind=Kind.PERMISSION_SET,
        name="X",
        label="X",
        user_permissions=(UserPermission("ViewSetup"), UserPermission("ApiEnabled")),
        class_accesses=(Access("Zeta"), Access("Alpha")),
        extras=(
            Node("flowAccesses", children=(Node("enabled", "true"), Node("flow", "F"))),
            Node("applicationVisibilities", children=(Node("application", "A"),)),
            Node("zNewerElement", "1"),
        ),
    )
    xml = component_xml(ps, api_version="62.0").decode()
    order = [
        "<applicationVisibilities>",
        "<apexClass>Alpha</apexClass>",
        "<apexClass>Zeta</apexClass>",
        "<flowAccesses>",
        "<label>X</label>",
        "<name>ApiEnabled</name>",
        "<name>ViewSetup</name>",
        "<zNewerElement>1</zNewerElement>",
    ]
    positions = [xml.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_profile_specifics_render_in_schema_shape() -> None:
    """Profiles carry record type defaults and login hours; empty login hours stay empty."""
    profile = PermissionContainer(
        kind=Kind.PROFILE,
        name="P",
        record_types=(RecordTypeVisibility("Account.Partner", visible=True),),
        login_hours=LoginHours(),
    )
    xml = component_xml(profile, api_version="62.0").decode()
    assert "        <default>false</default>\n" in xml
    assert "    <loginHours/>\n" in xml


def test_permission_set_group_members_are_sorted() -> None:
    """Group membership renders sorted whatever the declaration order."""
    group = PermissionSetGroup(name="G", label="G", permission_sets=("B", "A"))
    xml = component_xml(group, api_version="62.0").decode()
    assert xml.index("<permissionSets>A<") < xml.index("<permissionSets>B<")


def test_destructive_changes_has_no_version() -> None:
    """destructiveChanges.xml lists members only; package.xml carries the API version."""
    assert b"<version>" not in package_xml({"PermissionSet": ["Old"]}, api_version=None)
    assert b"<version>62.0</version>" in package_xml({"PermissionSet": ["A"]}, api_version="62.0")


def test_project_template_overrides_the_builtin_one(tmp_path: Path) -> None:
    """A project's templates/ folder replaces a built-in template file by file."""
    project = tmp_path / "p"
    shutil.copytree(SAMPLE_PROJECT, project)
    (project / "templates").mkdir()
    (project / "templates" / "permissionsetgroup.xml.j2").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- {{ vars.env }} -->\n'
        "<PermissionSetGroup>{{ c.label }}</PermissionSetGroup>\n"
    )
    # validate=False: this minimal template leaves out the namespace the schema checks for
    files = build_project(project, validate=False).render(Layout.MDAPI)
    group = files["permissionsetgroups/ERP_Integration.permissionsetgroup"]
    assert group.endswith(
        b"<!-- Production -->\n<PermissionSetGroup>ERP Integration</PermissionSetGroup>\n"
    )
    assert b"<label>ERP Accounts</label>" in files["permissionsets/ERP_Accounts.permissionset"]


def test_undefined_template_variable_is_a_render_error(tmp_path: Path) -> None:
    """StrictUndefined: a typo in a template fails loudly instead of writing an empty value."""
    project = tmp_path / "p"
    shutil.copytree(SAMPLE_PROJECT, project)
    (project / "templates").mkdir()
    (project / "templates" / "profile.xml.j2").write_text("{{ c.no_such_thing }}")
    with pytest.raises(
        RenderError, match=r"template profile\.xml\.j2 failed for Profile 'Billing API Only'"
    ):
        build_project(project).render(Layout.MDAPI)


def test_profile_file_names_are_encoded_like_salesforce() -> None:
    """Characters Salesforce encodes in file names are percent-encoded, spaces are kept."""
    profile = PermissionContainer(kind=Kind.PROFILE, name="System Administrator (non-API user)")
    bundle = dataclasses.replace(build_project(SAMPLE_PROJECT).bundle, components=(profile,))
    files = render_files(bundle, layout=Layout.MDAPI)
    assert "profiles/System Administrator %28non-API user%29.profile" in files
    assert b"<members>System Administrator (non-API user)</members>" in files["package.xml"]


def test_write_tree_leaves_previous_output_when_interrupted(tmp_path: Path) -> None:
    """A render that fails half-way leaves the previous output intact."""
    out = tmp_path / "out"
    write_tree({"a.xml": b"old"}, out)

    class Boom(dict[str, bytes]):
        def items(self):  # type: ignore[override]
            yield "b.xml", b"new"
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_tree(Boom(), out)
    assert (out / "a.xml").read_bytes() == b"old"
    assert not (out / "b.xml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_write_tree_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    """Never replace a user's folder that apionly-deploy did not create."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="was not written by apionly-deploy"):
        write_tree({"a.xml": b"x"}, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_project_templates_escape_like_salesforce_too(tmp_path: Path) -> None:
    """A project's own template (autoescaped) prints text with Salesforce's entity names."""
    (tmp_path / "profile.xml.j2").write_text("<l>{{ c.description }}</l>{{ c.custom }}\n")
    profile = PermissionContainer(
        kind=Kind.PROFILE, name="P", description='R&D "Ops" <it\'s>', custom=True
    )
    xml = component_xml(profile, api_version="62.0", template_dir=tmp_path)
    assert xml == b"<l>R&amp;D &quot;Ops&quot; &lt;it&apos;s&gt;</l>true\n"


def test_builtin_templates_use_nothing_whose_escaping_depends_on_autoescape() -> None:
    """Built-in templates escape in finalize alone: macros, blocks, filters or ``~`` would
    behave differently without autoescaping, so they must not appear there."""
    import jinja2.nodes as n

    from apionly_deploy.render.templates import builtin_environment, builtin_template_dir

    env = builtin_environment()
    for path in builtin_template_dir().glob("*.j2"):
        tree = env.parse(path.read_text())
        banned = (n.Macro, n.CallBlock, n.Block, n.Extends, n.Include, n.Import, n.FromImport)
        banned += (n.Filter, n.FilterBlock, n.Concat, n.AssignBlock, n.Scope, n.MarkSafe)
        assert not list(tree.find_all(banned)), path.name


def test_builtin_template_output_is_always_escaped() -> None:
    """Values that are not plain text are escaped too; markup passes as it is."""
    from markupsafe import Markup

    from apionly_deploy.render.templates import _escape_output

    class Odd:
        def __str__(self) -> str:
            return "a<'b'>"

    assert _escape_output(Odd()) == "a&lt;&apos;b&apos;&gt;"
    assert _escape_output(Markup("<x/>")) == "<x/>"
    assert _escape_output(7) == "7"
    assert (_escape_output(True), _escape_output(False)) == ("true", "false")
