"""Hostile zips and names: retrieved archives that try to escape, symlinks, zip bombs (client
and local org), and component names that look like paths."""

from __future__ import annotations

import base64
import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.emulator import retrieves as org_retrieves
from apionly_deploy.errors import ContentError
from apionly_deploy.model.components import Kind
from apionly_deploy.salesforce.deploy import check_zip
from apionly_deploy.salesforce.retrieve.files import (
    layout_paths,
    permission_files,
    unpack,
    write_files,
)

from .support import Cli, secret_env, write_project

PERMSET = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">'
    b"<label>X</label></PermissionSet>\n"
)


def zip_of(entries: dict[str, bytes], *, symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.create_system = 3  # unix
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def lying_zip(name: str, real: bytes, claimed: int) -> bytes:
    """A zip whose headers claim ``claimed`` bytes for an entry that inflates to ``real``."""
    data = bytearray(zip_of({name: real}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset : at + offset + 4] = struct.pack("<I", claimed)
    return bytes(data)


ESCAPES = [
    "../evil.permissionset",
    "/etc/evil.permissionset",
    "a/../../evil.permissionset",
    "C:/evil.permissionset",
    "c:evil.permissionset",
    "..\\evil.permissionset",
    "permissionsets/../../evil.permissionset",
]


@pytest.mark.parametrize("name", ESCAPES)
def test_zip_slip_entries_are_refused(name: str) -> None:
    """Any entry that could land outside the target folder stops the whole unpack."""
    data = zip_of({"unpackaged/package.xml": b"<Package/>", name: PERMSET})
    with pytest.raises(ContentError, match="outside the target folder"):
        unpack(data)


def test_symlink_entries_are_refused() -> None:
    """A symlink in a retrieved zip is refused, never written as a link or followed."""
    data = zip_of(
        {"permissionsets/Evil.permissionset": b"/etc/passwd"},
        symlinks=("permissionsets/Evil.permissionset",),
    )
    with pytest.raises(ContentError, match="symbolic link"):
        unpack(data)


def test_a_symlink_in_the_output_folder_is_not_followed(tmp_path: Path) -> None:
    """Files are never written through a link that leads out of the output folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    (out / "force-app/main/default").mkdir(parents=True)
    (out / "force-app/main/default/permissionsets").symlink_to(outside)
    files = layout_paths({(Kind.PERMISSION_SET, "X"): PERMSET}, layout="source")
    with pytest.raises(ContentError, match="outside"):
        write_files(files, out)
    assert list(outside.iterdir()) == []


def test_a_file_symlink_in_the_output_folder_is_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out"
    (out / "permissionsets").mkdir(parents=True)
    (out / "permissionsets/X.permissionset").symlink_to(victim)
    files = layout_paths({(Kind.PERMISSION_SET, "X"): PERMSET}, layout="mdapi")
    with pytest.raises(ContentError, match="outside"):
        write_files(files, out)
    assert victim.read_text() == "keep me"


def test_zip_bomb_by_declared_size_is_refused_unread() -> None:
    data = lying_zip("permissionsets/X.permissionset", PERMSET, 700 * 1024 * 1024)
    with pytest.raises(ContentError, match="too large"):
        unpack(data)


def test_zip_bomb_that_lies_small_is_stopped_at_the_claimed_size() -> None:
    """Headers claim 100 bytes, the stream inflates to 5 MB: reading stops, the zip is refused."""
    data = lying_zip("permissionsets/X.permissionset", b"\0" * (5 * 1024 * 1024), 100)
    with pytest.raises(ContentError, match="not readable"):
        unpack(data)


def test_retrieve_reads_only_permission_files() -> None:
    """Companion files (objects, classes) of a profile retrieve are skipped, never inflated."""
    data = zip_of(
        {
            "objects/Account.object": b"\0" * (2 * 1024 * 1024),
            "permissionsets/X.permissionset": PERMSET,
        }
    )
    files = unpack(data)
    assert set(files) == {"permissionsets/X.permissionset"}
    assert permission_files(files) == {(Kind.PERMISSION_SET, "X"): PERMSET}


def test_deploy_zip_bomb_is_checked_by_declared_size_before_inflating() -> None:
    """`deploy --zip` refuses an oversized zip from its headers, before testing its entries."""
    data = lying_zip("permissionsets/X.permissionset", PERMSET, 700 * 1024 * 1024)
    with pytest.raises(ContentError, match="bytes uncompressed"):
        check_zip(data, source="bomb.zip")


def test_the_local_org_refuses_a_zip_bomb_without_inflating_it(emulator: EmulatorInfo) -> None:
    from apionly_deploy.errors import RequestRefused, SoapFault
    from apionly_deploy.salesforce.auth import OrgConfig
    from apionly_deploy.salesforce.auth.login import http_for
    from apionly_deploy.salesforce.auth.orgs import Flow, Secret
    from apionly_deploy.salesforce.metadata_api import DeployOptions, MetadataClient

    emulator.configure(max_unzipped_bytes=1024 * 1024)
    bomb = zip_of(
        {"package.xml": b"<Package/>", "permissionsets/X.permissionset": b"\0" * (8 * 1024 * 1024)}
    )
    assert len(bomb) < 64 * 1024
    org = OrgConfig(
        name="emu",
        flow=Flow.ACCESS_TOKEN,
        instance_url=emulator.instance_url,
        ca_cert=emulator.ca_cert,
        secrets={"access_token": Secret(value=emulator.access_token)},
    )
    client = MetadataClient(
        http_for(org),
        instance_url=emulator.instance_url,
        access_token=emulator.access_token,
        api_version="62.0",
    )
    with pytest.raises((RequestRefused, SoapFault), match="unzips to more than"):
        client.deploy(bomb, DeployOptions())
    assert emulator.org.store.jobs("deploy") == []


@pytest.fixture
def hostile_org(emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch):
    """The local org answers every retrieve with the zip the test sets."""
    holder: dict[str, bytes] = {}
    monkeypatch.setattr(
        org_retrieves, "_zip", lambda files: base64.b64encode(holder["zip"]).decode()
    )
    return holder


@pytest.mark.parametrize(
    "entry",
    ["../../escaped.permissionset", "unpackaged/permissionsets/../../../escaped.permissionset"],
)
def test_retrieve_command_refuses_an_escaping_zip_and_writes_nothing(
    emulator, hostile_org, tmp_path, entry
):
    project = write_project(tmp_path / "p", {"emu": emulator})
    hostile_org["zip"] = zip_of({"unpackaged/package.xml": b"<Package/>", entry: PERMSET})
    result = Cli(secret_env({"emu": emulator}))(
        "retrieve", "-p", str(project), "-o", "emu", "--permission-set", "X"
    )
    assert result.exit_code == 1
    assert "would land outside the target folder" in result.stderr
    assert not list(tmp_path.rglob("escaped*"))
    assert not (project / "retrieved").exists()


def test_retrieve_command_refuses_a_symlink_entry(emulator, hostile_org, tmp_path):
    project = write_project(tmp_path / "p", {"emu": emulator})
    hostile_org["zip"] = zip_of(
        {"unpackaged/permissionsets/X.permissionset": b"/etc/passwd"},
        symlinks=("unpackaged/permissionsets/X.permissionset",),
    )
    result = Cli(secret_env({"emu": emulator}))(
        "retrieve", "-p", str(project), "-o", "emu", "--permission-set", "X"
    )
    assert result.exit_code == 1 and "symbolic link" in result.stderr
    assert not (project / "retrieved").exists()


@pytest.mark.parametrize("name", ["../../x", "..", "a/b", "..\\..\\x", "/etc/passwd"])
def test_a_retrieved_component_named_like_a_path_stays_one_file(tmp_path: Path, name: str):
    """Salesforce encodes '/' and '\\' in file names; a name never becomes a path."""
    out = tmp_path / "out"
    for layout in ("source", "mdapi"):
        files = layout_paths({(Kind.PROFILE, name): PERMSET}, layout=layout)
        written = write_files(files, out)
        assert all(out.resolve() in p.parents for p in written)
        assert [p.parent.name for p in written] == ["profiles"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", "x\\..\\y"])
def test_a_project_component_named_like_a_path_is_refused_or_stays_inside(tmp_path, name):
    """`[permission_sets."../../x"]` is not a developer name; a profile with slashes is one
    encoded file inside the output folder."""
    from click.testing import CliRunner

    from apionly_deploy.cli import cli

    project = tmp_path / "p"
    project.mkdir()
    (project / "apionly.toml").write_text(
        '[project]\napi_version = "62.0"\n\n'
        f"[permission_sets.{_toml_key(name)}]\nlabel = 'X'\nlicense = 'SalesforceAPIIntegrationPsl'\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["render", "-p", str(project), "--out", str(out)])
    assert result.exit_code == 3, result.output
    assert "developer name" in result.output or "must start with a letter" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]

    (project / "apionly.toml").write_text(
        '[project]\napi_version = "62.0"\n\n'
        f"[profiles.{_toml_key(name)}]\nuser_license = 'Salesforce'\n"
    )
    result = CliRunner().invoke(cli, ["render", "-p", str(project), "--out", str(out)])
    assert sorted(p.name for p in tmp_path.iterdir()) in (["out", "p"], ["p"])
    for path in out.rglob("*") if out.exists() else ():
        assert out.resolve() in path.resolve().parents


def _toml_key(name: str) -> str:
    import json

    return json.dumps(name)


def test_payload_check_refuses_escaping_deploy_entries() -> None:
    """The local org refuses deploy zips with entries outside their root (as Salesforce)."""
    from apionly_deploy.emulator.zips import Limits, ZipProblem, read_zip

    limits = Limits(10**6, 10**7, 100)
    for name in ("../x.permissionset", "/x.permissionset", "a/../../x.permissionset", "C:x"):
        with pytest.raises(ZipProblem, match="outside its root"):
            read_zip(zip_of({"package.xml": b"<Package/>", name: PERMSET}), limits)
