"""Retrieve: safe unpacking, layouts, and --to-config round trips (real files, the local org)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from apionly_deploy.cli import cli
from apionly_deploy.errors import ContentError
from apionly_deploy.model.components import Component, Kind, PermissionContainer
from apionly_deploy.model.parse import parse_component_bytes, parse_component_file
from apionly_deploy.project.config import load_project
from apionly_deploy.project.declarations import build_bundle
from apionly_deploy.project.to_config import add_to_project, to_config
from apionly_deploy.render.templates import component_xml
from apionly_deploy.salesforce.retrieve import Selection, retrieve_into
from apionly_deploy.salesforce.retrieve.files import (
    layout_paths,
    permission_files,
    safe_name,
    unpack,
    write_files,
)

REAL = Path(__file__).parent / "fixtures" / "real-metadata"
SAMPLE = Path(__file__).resolve().parent.parent / "sample-project"
REAL_FILES = sorted(
    p for p in REAL.iterdir() if p.suffix != ".md" and "mutingpermissionset" not in p.name
)


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- unpacking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/passwd", "a/../../b", "C:/x", "profiles\\..\\x", "", "a/\x00b"]
)
def test_escaping_names_are_refused(name):
    with pytest.raises(ContentError, match="outside the target folder"):
        safe_name(name)


def test_zip_with_an_escaping_entry_is_refused_whole(tmp_path):
    data = make_zip({"permissionsets/A.permissionset": b"<x/>", "../../evil": b"boom"})
    with pytest.raises(ContentError, match=r"'\.\./\.\./evil' would land outside"):
        unpack(data)
    assert list(tmp_path.iterdir()) == []


def test_not_a_zip_is_a_content_error():
    with pytest.raises(ContentError, match="not readable"):
        unpack(b"PK nope")


def test_permission_files_and_layouts():
    files = unpack(
        make_zip(
            {
                "package.xml": b"<Package/>",
                "permissionsets/ERP.permissionset": b"ps",
                "profiles/System Administrator %28non-API user%29.profile": b"pr",
                "permissionsetgroups/G.permissionsetgroup": b"g",
                "objects/Account.object": b"o",
            }
        )
    )
    found = permission_files(files)
    assert set(found) == {
        (Kind.PERMISSION_SET, "ERP"),
        (Kind.PROFILE, "System Administrator (non-API user)"),
        (Kind.PERMISSION_SET_GROUP, "G"),
    }
    assert set(layout_paths(found, layout="source")) == {
        "force-app/main/default/permissionsets/ERP.permissionset-meta.xml",
        "force-app/main/default/profiles/System Administrator %28non-API user%29.profile-meta.xml",
        "force-app/main/default/permissionsetgroups/G.permissionsetgroup-meta.xml",
    }
    assert "profiles/System Administrator %28non-API user%29.profile" in layout_paths(
        found, layout="mdapi"
    )


def test_write_files_stays_inside_and_replaces_atomically(tmp_path):
    target = tmp_path / "out"
    written = write_files({"permissionsets/A.permissionset-meta.xml": b"one"}, target)
    assert written == [(target / "permissionsets/A.permissionset-meta.xml").resolve()]
    write_files({"permissionsets/A.permissionset-meta.xml": b"two"}, target)
    assert written[0].read_bytes() == b"two"
    assert [p.name for p in written[0].parent.iterdir()] == ["A.permissionset-meta.xml"]
    with pytest.raises(ContentError):
        write_files({"../x": b""}, target)


# --- --to-config ------------------------------------------------------------------------------


def permissions(component: Component) -> dict[str, object]:
    """The permissions a project file can express, for round-trip comparison."""
    if not isinstance(component, PermissionContainer):
        return {
            "sets": component.permission_sets,
            "muting": component.muting_permission_sets,
            "label": component.label,
            "description": component.description,
        }
    return {
        "users": {p.name: p.enabled for p in component.user_permissions},
        "objects": {o.object: o.granted() for o in component.object_permissions},
        "fields": {f.field: (f.readable, f.editable) for f in component.field_permissions},
        "classes": {a.name: a.enabled for a in component.class_accesses},
        "pages": {a.name: a.enabled for a in component.page_accesses},
        "custom": {a.name: a.enabled for a in component.custom_permissions},
        "tabs": {t.tab: t.visibility for t in component.tabs},
        "record_types": {
            r.record_type: (r.visible, bool(r.default)) for r in component.record_types
        },
        "ips": [(r.start, r.end, r.description) for r in component.login_ip_ranges],
        "hours": dict(component.login_hours.hours) if component.login_hours else {},
        "license": component.license,
        "user_license": component.user_license,
        "description": component.description,
    }


def load_back(tmp_path: Path, text: str) -> dict[tuple[Kind, str], Component]:
    (tmp_path / "apionly.toml").write_text('[project]\napi_version = "62.0"\n\n' + text)
    bundle = build_bundle(load_project(tmp_path))
    return {(c.kind, c.name): c for c in bundle.components}


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_files_round_trip_through_the_project_file(tmp_path, path):
    """Retrieved file -> TOML tables -> load -> render -> parse gives the same permissions."""
    name = path.name.split("__", 1)[1].split(".")[0]
    original = parse_component_file(path, name=name)
    converted = to_config([original])
    loaded = load_back(tmp_path, converted.text)[(original.kind, original.name)]
    assert permissions(loaded) == permissions(original)
    rendered = parse_component_bytes(component_xml(loaded, api_version="62.0"), name=name)
    assert permissions(rendered) == permissions(original)


def test_to_config_uses_the_short_project_words():
    (ps,) = build_bundle(load_project(SAMPLE)).of_kind(Kind.PERMISSION_SET)[:1]
    text = to_config([ps]).text
    assert text.startswith("[permission_sets.ERP_Accounts]\n")
    assert 'objects = { Account = ["read", "create", "edit"], Contact = ["read"] }' in text
    assert '"Account.AccountNumber" = "edit"' in text


def test_api_only_comes_back_as_one_key(tmp_path):
    project = load_project(SAMPLE)
    profile = next(c for c in build_bundle(project).components if c.kind is Kind.PROFILE)
    text = to_config([profile]).text
    assert '[profiles."Billing API Only"]' in text and "api_only = true" in text
    assert "ApiUserOnly" not in text
    assert 'login_ip_ranges = [\n    { start = "203.0.113.0", end = "203.0.113.15"' in text


def test_add_to_project_appends_only_what_is_missing(tmp_path):
    shutil.copy(SAMPLE / "apionly.toml", tmp_path / "apionly.toml")
    before = (tmp_path / "apionly.toml").read_text()
    bundle = build_bundle(load_project(tmp_path))
    extra = parse_component_file(
        next(p for p in REAL_FILES if "dreamhouse" in p.name), name="dreamhouse"
    )
    converted, skipped = add_to_project(
        tmp_path / "apionly.toml", (*bundle.components, extra), api_version="62.0", origin="org uat"
    )
    after = (tmp_path / "apionly.toml").read_text()
    assert after.startswith(before)
    assert "[permission_sets.dreamhouse]" in after and "# Retrieved from org uat" in after
    assert len(skipped) == len(bundle.components)
    assert (Kind.PERMISSION_SET, "dreamhouse") in {
        (c.kind, c.name) for c in build_bundle(load_project(tmp_path)).components
    }
    assert converted.text.count("[") >= 1


def test_add_to_project_finds_what_is_declared_without_comparing_components(tmp_path, monkeypatch):
    """Hundreds of retrieved profiles: each is looked up once, never compared with the others."""
    compared = []

    def counted(self, other):
        compared.append(1)
        return self is other

    monkeypatch.setattr(PermissionContainer, "__eq__", counted)
    components = tuple(
        PermissionContainer(kind=Kind.PERMISSION_SET, name=f"S{i}", label="x") for i in range(200)
    )
    declared = "".join(f'[permission_sets.S{i}]\nlabel = "x"\n' for i in range(0, 200, 2))
    (tmp_path / "apionly.toml").write_text(declared)
    converted, skipped = add_to_project(
        tmp_path / "apionly.toml", components, api_version="62.0", origin="org"
    )
    assert skipped == tuple(f"PermissionSet S{i}" for i in range(0, 200, 2))
    assert converted.text.count("[permission_sets.") == 100
    assert len(compared) < len(components)


# --- against the local org -----------------------------------------------------------------------


def test_retrieve_from_the_org_and_import_round_trip(emulator, tmp_path):
    """Deploy the sample, retrieve it, import it into a new project: same permissions."""
    from apionly_deploy.salesforce.auth import http_for, login
    from apionly_deploy.salesforce.deploy import from_project, wait_for_deploy
    from apionly_deploy.salesforce.deploy.connection import local_org_config
    from apionly_deploy.salesforce.metadata_api import DeployOptions, MetadataClient

    org = local_org_config(emulator)
    http = http_for(org)
    session = login(org, http, environ={})
    client = MetadataClient(
        http,
        instance_url=session.instance_url,
        access_token=session.access_token,
        api_version="62.0",
    )
    job = client.deploy(from_project(SAMPLE, org=None).zip_bytes, DeployOptions())
    assert wait_for_deploy(client, job.id, timeout=60, sleep=lambda s: None).success

    sample = {(c.kind, c.name): c for c in build_bundle(load_project(SAMPLE)).components}
    selection = Selection(
        {
            Kind.PERMISSION_SET: ["ERP_Accounts", "ERP_Orders"],
            Kind.PROFILE: ["Billing API Only"],
            Kind.PERMISSION_SET_GROUP: ["ERP_Integration"],
        }
    )
    got = retrieve_into(client, selection, out_dir=tmp_path / "files", sleep=lambda s: None)
    assert {(c.kind, c.name) for c in got.components} == set(sample)
    assert (
        tmp_path / "files/force-app/main/default/profiles/Billing API Only.profile-meta.xml"
    ).is_file()

    project = tmp_path / "imported"
    project.mkdir()
    add_to_project(project / "apionly.toml", got.components, api_version="62.0", origin="org local")
    imported = {(c.kind, c.name): c for c in build_bundle(load_project(project)).components}
    assert {k: permissions(v) for k, v in imported.items()} == {
        k: permissions(v) for k, v in sample.items()
    }


def test_retrieve_command(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".apionly"))
    runner = CliRunner()
    deployed = runner.invoke(cli, ["deploy", "start", "-p", str(project), "-o", "local"])
    assert deployed.exit_code == 0, deployed.output
    result = runner.invoke(
        cli,
        [
            "retrieve",
            "-p",
            str(project),
            "-o",
            "local",
            "--permission-set",
            "ERP_Orders",
            "--to-config",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"retrieved 1 component(s) from local into {project}/retrieved/local\n"
        "  PermissionSet  ERP_Orders\n"
        f"added 0 table(s) to {project}/apionly.toml\n"
        "  skipped (already declared): PermissionSet ERP_Orders\n"
    )
    nothing = runner.invoke(cli, ["retrieve", "-p", str(project), "-o", "local"])
    assert nothing.exit_code == 2 and "pass --all" in nothing.stderr
