"""The render output swap: one step where the OS allows, safe under concurrent renders, and
leftovers of killed runs removed."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest

from apionly_deploy.render import output
from apionly_deploy.render.templates import write_tree

WRITERS, RENDERS = 8, 25


def render_concurrently(out: Path) -> tuple[list[BaseException], int]:
    """Render into ``out`` from several threads at once while another thread watches it;
    return the errors raised and how often the folder was seen missing."""
    write_tree({"a.xml": b"first"}, out)
    errors: list[BaseException] = []
    done = threading.Event()
    missing = 0

    def render(index: int) -> None:
        for n in range(RENDERS):
            try:
                write_tree({"a.xml": f"{index}-{n}".encode(), f"{index}.xml": b"x"}, out)
            except BaseException as exc:  # every failure is collected, none hidden
                errors.append(exc)

    def watch() -> None:
        nonlocal missing
        while not done.is_set():
            missing += not os.path.isdir(out)

    watcher = threading.Thread(target=watch)
    writers = [threading.Thread(target=render, args=(i,)) for i in range(WRITERS)]
    watcher.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    watcher.join()
    return errors, missing


def test_concurrent_renders_all_succeed_and_the_folder_is_never_missing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    errors, missing = render_concurrently(out)
    assert errors == []
    assert missing == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no .new-/.old- left
    content = (out / "a.xml").read_bytes().decode()
    index = content.split("-")[0]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        {".apionly-render", "a.xml", f"{index}.xml"}
    )


def test_without_an_exchange_concurrent_renders_still_all_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the OS has no atomic exchange, two renames with retries stand in."""
    monkeypatch.setattr(output, "exchange", lambda a, b: False)
    errors, _ = render_concurrently(tmp_path / "out")
    assert errors == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    assert output.exchange(tmp_path / "a", tmp_path / "b") is True
    assert (tmp_path / "b" / "x").read_text() == "a"
    assert list((tmp_path / "a").iterdir()) == []
    with pytest.raises(FileNotFoundError):
        output.exchange(tmp_path / "a", tmp_path / "missing")


def test_leftovers_of_killed_runs_are_removed_but_not_a_live_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree({"a.xml": b"old"}, out)
    for name in (".out.new-killed", ".out.new-killed.old", ".out.new-live"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.xml").write_bytes(b"stale")
    (tmp_path / ".other.new-x").mkdir()  # another output's: not ours to touch
    live = os.open(tmp_path / ".out.new-live", os.O_RDONLY)
    try:
        fcntl.flock(live, fcntl.LOCK_EX | fcntl.LOCK_NB)
        write_tree({"a.xml": b"new"}, out)
    finally:
        os.close(live)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.new-x", ".out.new-live", "out"]
    assert (out / "a.xml").read_bytes() == b"new"
