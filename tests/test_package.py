"""The deployable zip: package.xml, deletions, and identical bytes on every run."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from conftest import SAMPLE_PROJECT

from apionly_deploy.fileio import write_atomic
from apionly_deploy.project.pipeline import build_project
from apionly_deploy.render.package import build_package, zip_bytes


def test_packaging_twice_gives_identical_bytes() -> None:
    """Same project, same zip bytes: fixed timestamps, sorted entries, fixed modes."""
    assert build_project(SAMPLE_PROJECT).package() == build_project(SAMPLE_PROJECT).package()


def test_zip_holds_package_xml_and_mdapi_files_in_order() -> None:
    """Entries are sorted, dated 1980-01-01 and world-readable, package.xml at the root."""
    archive = zipfile.ZipFile(io.BytesIO(build_project(SAMPLE_PROJECT).package()))
    names = archive.namelist()
    assert names == sorted(names)
    assert names == [
        "package.xml",
        "permissionsetgroups/ERP_Integration.permissionsetgroup",
        "permissionsets/ERP_Accounts.permissionset",
        "permissionsets/ERP_Orders.permissionset",
        "profiles/Billing API Only.profile",
    ]
    for info in archive.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644
    assert b"<version>62.0</version>" in archive.read("package.xml")


def test_deletions_go_to_destructive_changes(tmp_path: Path) -> None:
    """Components listed under [delete] are packaged in destructiveChanges.xml."""
    project = tmp_path / "p"
    shutil.copytree(SAMPLE_PROJECT, project)
    with (project / "apionly.toml").open("a") as handle:
        handle.write('\n[delete]\npermission_sets = ["Old_Sync"]\n')
    archive = zipfile.ZipFile(io.BytesIO(build_project(project).package()))
    destructive = archive.read("destructiveChanges.xml").decode()
    assert "<members>Old_Sync</members>" in destructive
    assert "<version>" not in destructive
    assert "Old_Sync" not in archive.read("package.xml").decode()


def test_zip_bytes_do_not_depend_on_insertion_order() -> None:
    """The zip is a function of the file set alone."""
    assert zip_bytes({"b": b"2", "a": b"1"}) == zip_bytes({"a": b"1", "b": b"2"})


def test_build_package_matches_the_pipeline() -> None:
    """The library call and the pipeline produce the same zip."""
    built = build_project(SAMPLE_PROJECT)
    assert build_package(
        built.bundle, template_dir=built.template_dir, variables=built.project.vars
    ) == (built.package())


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    """The target is either the old or the new content, and no temp files are left."""
    target = tmp_path / "out" / "package.zip"
    write_atomic(target, b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["package.zip"]


def test_streamed_package_is_the_zip_of_the_rendered_files() -> None:
    """build_package renders one file at a time; the bytes are those of the whole-tree zip."""
    from apionly_deploy.render.templates import Layout

    built = build_project(SAMPLE_PROJECT)
    assert built.package() == zip_bytes(built.render(Layout.MDAPI))


def test_package_reports_the_first_failing_component_in_render_order(tmp_path: Path) -> None:
    """Entries are written in name order, yet the error is the first in component order."""
    import pytest

    from apionly_deploy.errors import RenderError

    project = tmp_path / "p"
    shutil.copytree(SAMPLE_PROJECT, project)
    (project / "templates").mkdir()
    # profiles/ sorts after permissionsets/ in the zip, but Profile renders after PermissionSet
    (project / "templates" / "permissionset.xml.j2").write_text("{{ c.no_such_thing }}")
    (project / "templates" / "profile.xml.j2").write_text("{{ c.other_typo }}")
    (project / "templates" / "permissionsetgroup.xml.j2").write_text("{{ c.third_typo }}")
    with pytest.raises(RenderError, match=r"failed for PermissionSet 'ERP_Accounts'"):
        build_project(project).package()
