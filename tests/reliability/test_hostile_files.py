"""Hostile files: symbolic links out of a deploy folder, stray files, devices, FIFOs, a BOM.

A metadata folder or a project from a pull request must not upload the runner's environment,
hang the tool on a FIFO, or read a device without end.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from apionly_deploy.emulator import EmulatorInfo

from .support import Cli, secret_env, write_metadata_dir, write_project


@pytest.fixture
def deploy(tmp_path: Path, emulator: EmulatorInfo):
    project = write_project(tmp_path / "project", {"emu": emulator})
    run = Cli({**secret_env({"emu": emulator}), "APIONLY_POLL_INTERVAL": "0:0"})

    def deploy_folder(folder: Path):
        return run(
            "deploy", "start", "-p", str(project), "-o", "emu", "--metadata-dir", str(folder)
        )

    return deploy_folder


def test_a_link_to_the_environment_is_never_uploaded(tmp_path, emulator, deploy):
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    (folder / "permissionsets" / "leak.txt").symlink_to("/proc/self/environ")
    result = deploy(folder)
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"Error: {folder}/permissionsets/leak.txt: a symbolic link out of the folder; "
        "--metadata-dir never follows one (copy the file in)\n"
    )
    assert emulator.requests.count("deploy") == 0


def test_a_link_to_a_folder_is_refused(tmp_path, emulator, deploy):
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    (folder / "classes").symlink_to(tmp_path)
    result = deploy(folder)
    assert result.exit_code == 1, result.output
    assert f"{folder}/classes: a symbolic link to a folder" in result.stderr
    assert emulator.requests.count("deploy") == 0


@pytest.mark.parametrize("stray", ["notes.txt", "permissionsets/Other.permissionset"])
def test_files_package_xml_does_not_name_are_refused_by_name(tmp_path, emulator, deploy, stray):
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    (folder / stray).write_text("<x/>")
    result = deploy(folder)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: {folder}/{stray}: not named in package.xml")
    assert emulator.requests.count("deploy") == 0


def test_a_link_inside_the_folder_and_named_files_deploy(tmp_path, emulator, deploy):
    folder = write_metadata_dir(tmp_path / "md", ["Good", "Twin"])
    twin = folder / "permissionsets" / "Twin.permissionset"
    twin.unlink()
    twin.symlink_to(folder / "permissionsets" / "Good.permissionset")
    result = deploy(folder)
    assert result.exit_code == 0, result.output
    assert emulator.requests.count("deploy") == 1


def fifo_with_writer(path: Path, data: bytes) -> None:
    """Make ``path`` a FIFO that a background writer feeds once a reader opens it."""
    os.mkfifo(path)

    def write() -> None:
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError:
            pass

    threading.Thread(target=write, daemon=True).start()


def test_validate_refuses_a_fifo_and_a_device(tmp_path):
    fifo = tmp_path / "Pipe.permissionset"
    fifo_with_writer(fifo, b'<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata"/>')
    device = tmp_path / "Dev.permissionset"
    device.symlink_to("/dev/null")
    result = Cli({})("validate", str(fifo), str(device))
    assert result.exit_code == 1, result.output
    assert f"{fifo}:1: error AO001 cannot read: not a regular file" in result.stdout
    assert f"{device}:1: error AO001 cannot read: not a regular file" in result.stdout


def test_a_project_file_that_is_a_fifo_is_refused(tmp_path):
    fifo_with_writer(tmp_path / "apionly.toml", b"[project]\nname = 'x'\n")
    result = Cli({})("render", "-p", str(tmp_path))
    assert result.exit_code == 3, result.output
    assert "cannot read the project file: not a regular file" in result.stderr


def test_a_project_file_with_a_byte_order_mark_loads(tmp_path):
    text = "[project]\nname = 'bom'\n[permission_sets.Bom]\nlabel = 'Bom'\n"
    (tmp_path / "apionly.toml").write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = Cli({})("validate", "-p", str(tmp_path))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["render", "--out", "/proc/apionly-x"], 3, "/proc/apionly-x: cannot write"),
        (["package", "--out", "/proc/apionly-x.zip"], 3, "/proc/apionly-x.zip: cannot write"),
    ],
)
def test_unwritable_outputs_are_one_line_errors(tmp_path, args, code, message):
    (tmp_path / "apionly.toml").write_text("[permission_sets.Erp]\nlabel = 'Erp'\n")
    result = Cli({})(*args, "-p", str(tmp_path))
    assert (result.exit_code, result.stderr.count("\n")) == (code, 1), result.output
    assert message in result.stderr


def test_deeply_nested_toml_and_init_onto_a_file_are_one_line_errors(tmp_path):
    (tmp_path / "apionly.toml").write_text("a = " + "[" * 3000 + "\n")
    nested = Cli({})("validate", "-p", str(tmp_path))
    assert nested.exit_code == 3 and "nested too deeply" in nested.stderr, nested.output
    (tmp_path / "afile").write_text("")
    init = Cli({})("init", str(tmp_path / "afile"))
    assert init.exit_code == 3 and "exists and is not a folder" in init.stderr, init.output
