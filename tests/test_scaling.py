"""Large inputs take linear work: render + package, and diff of two permission folders.

Counted in function calls (tests/scaling.py), never timed: the figures are in benchmarks/.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from scaling import grows_linearly

from apionly_deploy.cli import cli
from apionly_deploy.project.pipeline import build_project
from apionly_deploy.render.templates import Layout


def _project(folder: Path, count: int, *, edit_every: int) -> Path:
    """A project of two permission sets and a profile of ``count`` objects and fields each."""
    objects = ", ".join(f'Obj{i}__c = ["read"]' for i in range(count))
    fields = ", ".join(
        f'"Obj{i}__c.F__c" = "{"edit" if i % edit_every == 0 else "read"}"' for i in range(count)
    )
    tables = [
        f"[permission_sets.S{s}]\nobjects = {{ {objects} }}\nfields = {{ {fields} }}\n"
        for s in range(2)
    ]
    tables.append(f'[profiles."P 1"]\nobjects = {{ {objects} }}\nfields = {{ {fields} }}\n')
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "apionly.toml").write_text('[project]\nname = "big"\n\n' + "\n".join(tables))
    return folder


def test_render_and_package_take_linear_work(tmp_path):
    def package(count: int) -> None:
        build_project(_project(tmp_path / str(count), count, edit_every=3)).package()

    package(10)  # templates and schemas compiled once, outside the count
    assert grows_linearly(package, 150)


def _rendered(folder: Path, count: int, *, edit_every: int) -> str:
    built = build_project(_project(folder, count, edit_every=edit_every))
    for path, data in built.render(Layout.SOURCE).items():
        (folder / "out" / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / "out" / path).write_bytes(data)
    return str(folder / "out")


def test_diff_of_two_folders_takes_linear_work(tmp_path):
    pairs = {
        count: [
            _rendered(tmp_path / f"{side}{count}", count, edit_every=every)
            for side, every in (("base", 3), ("head", 4))
        ]
        for count in (10, 150, 300)
    }

    def diff(count: int) -> None:
        result = CliRunner().invoke(cli, ["diff", *pairs[count], "--format", "json"])
        assert result.exit_code == 0, result.output
        assert '"changes"' in result.output

    diff(10)
    assert grows_linearly(diff, 150)
