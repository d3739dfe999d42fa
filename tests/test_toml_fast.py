"""The fast project-file reader gives exactly tomllib's result, and tomllib's errors."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apionly_deploy.project import toml_fast
from apionly_deploy.project.config import _lookup, line_index

#: A comment that lifts a document over the size where the fast path starts.
PAD = "# " + "x" * toml_fast.MIN_FAST_BYTES + "\n"


def _both(text: str) -> tuple[object, object]:
    def run(parse: object) -> object:
        try:
            return parse(PAD + text)  # type: ignore[operator]
        except tomllib.TOMLDecodeError as exc:
            return ("error", str(exc))

    return run(toml_fast.loads), run(tomllib.loads)


@pytest.mark.parametrize(
    "text",
    [
        '[a]\nfields = { "X.Y" = "read", b = "edit", "" = "x" }\n',
        '[a]\r\nfields = { "X.Y" = "read", "Ü.é" = "edit" }\r\nn = 1\r\n',
        '[a]\nfields = { "X.Y" = "read" } # trailing comment: tomllib reads this line\n',
        '[a]\nfields = { "X\\u0041" = "read", "B" = "a\\tb" }\n',  # escapes: tomllib alone
        '[a."b c"]\nfields = { "k" = "v" }\nobjects = { A = ["read"] }\n[[u]]\nf = { "k" = "v" }\n',
        'top = { "k" = "v" }\n[a]\nx = [\n  "q",\n]\nfields = { "k" = "${v}" }\n',
    ],
)
def test_same_result_as_tomllib(text: str) -> None:
    fast, slow = _both(text)
    assert fast == slow
    assert not isinstance(slow, tuple)


@pytest.mark.parametrize(
    "text",
    [
        '[a]\nfields = { "k" = "v", "k" = "w" }\n',  # repeated key in the table
        '[a]\nfields = { "k" = "v", k = "w" }\n',  # same key, quoted and bare
        '[a]\nfields = { "k" = "v" }\nfields = { "j" = "v" }\n',  # the key twice
        '[a]\nfields = { "k" = "v" }\n[a.fields]\nj = "v"\n',  # an inline table extended
        '[a]\nfields = { "k" = "v" }\nfields.j = "v"\n',
        '[a]\nfields = { "k" = "v" }\nbroken = \n',
    ],
)
def test_same_errors_as_tomllib(text: str) -> None:
    fast, slow = _both(text)
    assert isinstance(slow, tuple)
    assert fast == slow


def test_multiline_strings_are_left_to_tomllib() -> None:
    text = '[a]\nnote = """\nfields = { "k" = "v" }\n"""\n'
    fast, slow = _both(text)
    assert fast == slow
    assert isinstance(fast, dict)
    assert fast["a"]["note"] == 'fields = { "k" = "v" }\n'


_WORD = st.text(alphabet="abAB._- é", min_size=0, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_WORD, _WORD), min_size=1, max_size=8), st.booleans())
def test_generated_tables_read_the_same(pairs: list[tuple[str, str]], bare: bool) -> None:
    body = ", ".join(
        f"{k if bare and k and set(k) <= set('abAB_-') else repr(k).replace(chr(39), chr(34))}"
        f' = "{v}"'
        for k, v in pairs
    )
    fast, slow = _both(f"[t]\nfields = {{ {body} }}\n")
    assert fast == slow


def test_line_index_folds_one_line_tables_and_keeps_first_lines() -> None:
    text = (
        "[a]\n"  # 1
        'fields = { "X.Y" = "read", b = "edit" }\n'  # 2
        "[a.other]\n"  # 3
        'q = { "X.Y" = 1 }\n'  # 4
        "[a]\n"  # 5
        'fields = { "X.Y" = "edit", "Z" = "x" }\n'  # 6: seen again (invalid TOML, still located)
    )
    index = line_index(text)
    assert _lookup(index, ("a", "fields", "X.Y")) == 2
    assert _lookup(index, ("a", "fields", "b")) == 2
    assert _lookup(index, ("a", "other", "q", "X.Y")) == 4
    assert _lookup(index, ("a", "fields", "Z")) == 6  # first seen on line 6
    assert _lookup(index, ("a", "fields", "X.Y", "deeper")) == 2
    assert index.lines_under(("a", "fields"), ["X.Y", "b", "none"]) == [2, 2, 2]
    assert index.lines_under(("nope",), ["x"]) == [0]
