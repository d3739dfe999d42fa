"""Where each table header and key of a TOML project file is defined, for error messages.

A large org's project file holds tens of thousands of keys inside one-line tables
(``fields = { "Account.Industry" = "read", ... }``). Their line is the line of the table's own
key, so they are not stored one by one: a lookup of such a key falls back to its parent, which
``config._lookup`` does anyway and which gives the same line. The index keeps the lines those
keys came from, so a key seen again later still keeps its first line (first definition wins).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

Key = tuple[str, ...]

_HEADER = re.compile(r"\[\[?\s*(.+?)\s*\]\]?(\s*#.*)?")
_KEY = re.compile(r"""\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\-"]+)\s*=""")
_INLINE_KEY = re.compile(r"""([{,]\s*)("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=""")


def split_dotted(text: str) -> list[str]:
    """Split a dotted TOML key into its parts, quotes removed."""
    if '"' not in text and "'" not in text:
        return [part.strip() for part in text.split(".")]
    if text[0] == '"' and text[-1] == '"' and text.count('"') == 2:
        return [text[1:-1]]
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', text)
    return [a or b or c for a, b, c in parts]


def _inline_words(raw: str, start: int) -> Iterator[str]:
    for _, word in _INLINE_KEY.findall(raw, start):
        # One quoted or bare word: what split_dotted gives for it.
        yield word[1:-1] if word[0] in "\"'" else word


class LineIndex(Mapping[Key, int]):
    """Key path -> 1-based line; keys folded into their parent's line are looked up through it."""

    def __init__(self) -> None:
        self._lines: dict[Key, int] = {}
        #: parent key -> (line text, offset of its inline table) whose keys were folded.
        self._folded: dict[Key, list[tuple[str, int]]] = {}

    def __getitem__(self, key: Key) -> int:
        return self._lines[key]

    def get(self, key: Key, default: int | None = None) -> int | None:  # type: ignore[override]
        return self._lines.get(key, default)

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[Key]:
        return iter(self._lines)

    def lines_under(self, parent: Key, words: list[str]) -> list[int]:
        """Return the line of ``(*parent, word)`` for each word, 0 where neither is known."""
        own, fallback = self._lines, self._lines.get(parent, 0)
        return [own.get((*parent, word), fallback) for word in words]

    def add(self, key: Key, line: int) -> None:
        """Record ``key`` at ``line`` unless it is known already (first definition wins)."""
        if key in self._lines or (self._folded and self._was_folded(key)):
            return
        self._lines[key] = line

    def add_inline(self, parent: Key, line: int, raw: str, start: int) -> None:
        """Record the keys of the one-line table at ``raw[start:]`` under ``parent``."""
        if self._lines.get(parent) == line:
            self._folded.setdefault(parent, []).append((raw, start))
            return
        for word in _inline_words(raw, start):
            self.add((*parent, word), line)

    def _was_folded(self, key: Key) -> bool:
        folded = self._folded.get(key[:-1])
        if not folded:
            return False
        return any(key[-1] in _inline_words(raw, start) for raw, start in folded)


def line_index(text: str) -> LineIndex:
    """Map every table header and key path of TOML ``text`` to its line (inline keys too)."""
    index = LineIndex()
    table: Key = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.fullmatch(raw.strip())
        if header:
            table = tuple(split_dotted(header.group(1)))
            for cut in range(1, len(table) + 1):
                index.add(table[:cut], number)
            continue
        key = _KEY.match(raw)
        if not key:
            continue
        path = (*table, *split_dotted(key.group(1)))
        index.add(path, number)
        index.add_inline(path, number, raw, key.end())
    return index
