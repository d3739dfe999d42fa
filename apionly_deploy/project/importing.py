"""``apionly-deploy import``: adopt permission files into ``apionly.toml`` without an org.

Files or folders (source ``-meta.xml`` or mdapi layout, e.g. an existing ``force-app``) are
parsed, cleaned of what real files carry by accident (a repeated entry, stray text, ``True``),
with a warning naming file and line for each, and converted as ``retrieve --to-config`` does.
Anything wrong stops the import before the project file is touched: it is written once,
atomically, or not at all.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from apionly_deploy.check.discover import Skipped, discover
from apionly_deploy.errors import ConfigError, ContentError, XmlError
from apionly_deploy.fileio import write_atomic
from apionly_deploy.model import names
from apionly_deploy.model.components import Component, Node, PermissionContainer
from apionly_deploy.model.merge import ENTRY_KEYS, extra_key
from apionly_deploy.model.parse import kind_of_root, parse_component
from apionly_deploy.model.xmldoc import local_name, parse_file
from apionly_deploy.model.xmlread import line_of
from apionly_deploy.project.config import DEFAULT_API_VERSION, KIND_TABLES, PROJECT_FILE
from apionly_deploy.project.to_config import (
    Converted,
    append_tables,
    key,
    read_project_text,
    to_config,
)

_CAPITALISED = frozenset({"True", "False", "TRUE", "FALSE"})


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import added to the project file, and what it noticed on the way."""

    project_file: Path
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    warnings: tuple[str, ...]
    converted: Converted


def import_files(project_dir: Path, paths: Sequence[Path], *, replace: bool = False) -> Imported:
    """Adopt the permission files under ``paths`` into ``project_dir/apionly.toml``.

    Raises ContentError (a file that is not permission metadata, two files declaring one
    component, something the project file cannot hold) or ConfigError (a table that exists,
    without ``replace``; a project file that is not valid TOML), writing nothing.
    """
    warnings: list[str] = []
    found: dict[tuple[str, str], tuple[Path, Component]] = {}
    for path in _permission_files(paths):
        component = _read(path, warnings)
        identity = (component.kind.value, component.name.lower())
        if identity in found:
            raise ContentError(
                f"{found[identity][0]} and {path} both declare {component.kind} "
                f"{component.name!r}; import one of them"
            )
        found[identity] = (path, component)
    components = tuple(component for _, component in found.values())
    if not components:
        raise ContentError(f"no permission files under {', '.join(map(str, paths))}")
    converted = to_config(components)
    project_file = project_dir / PROJECT_FILE
    text, existing = read_project_text(project_file, before="import")
    replaced = []
    for component in components:
        table = existing.get(KIND_TABLES[component.kind], {})
        declared = {name.lower() for name in table} if isinstance(table, dict) else set()
        if component.name.lower() not in declared:
            continue
        if not replace:
            raise ConfigError(
                f"{project_file}: {KIND_TABLES[component.kind]}.{key(component.name)} exists "
                "already; pass --replace to overwrite it, nothing was written"
            )
        text = remove_table(text, KIND_TABLES[component.kind], component.name, project_file)
        replaced.append(f"{component.kind} {component.name}")
    added = tuple(f"{c.kind} {c.name}" for c in components)
    note = f"Imported from {', '.join(map(str, paths))} by `apionly-deploy import`."
    appended = append_tables(text, converted.text, api_version=DEFAULT_API_VERSION, note=note)
    write_atomic(project_file, appended.encode("utf-8"))
    return Imported(project_file, added, tuple(replaced), tuple(warnings), converted)


def _permission_files(paths: Sequence[Path]) -> Iterator[Path]:
    for item in discover(paths):
        if isinstance(item, Skipped):
            continue  # an .xml file in a folder that is not permission metadata
        if item.explicit and names.kind_of_file_name(item.path.name) is None:
            _root_kind(item.path)  # a named file must be permission metadata
        yield item.path


def _root_kind(path: Path) -> None:
    try:
        root = parse_file(path)
    except XmlError as exc:
        raise ContentError(f"{exc}; nothing was written") from None
    if kind_of_root(root) is None:
        raise ContentError(
            f"{path}: <{local_name(root)}> is not a Profile, PermissionSet, "
            "MutingPermissionSet or PermissionSetGroup; nothing was written"
        )


def _read(path: Path, warnings: list[str]) -> Component:
    """Parse one file; warn about what it carries by accident, keeping the last of repeats."""
    try:
        root = parse_file(path)
        component = parse_component(root, name=names.component_name(path.name), source=str(path))
    except XmlError as exc:
        raise ContentError(f"{exc}; nothing was written") from None
    warnings += _stray_text(root, path)
    warnings += _capitalised(root, path)
    if isinstance(component, PermissionContainer):
        component = _last_of_repeats(component, path, warnings)
    return component


def _stray_text(root: etree._Element, path: Path) -> Iterator[str]:
    """Warn about text between elements (a hand edit's leftovers; not data, not imported)."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        has_children = any(isinstance(c.tag, str) for c in element)
        if has_children and (element.text or "").strip():
            yield f"{path}:{line_of(element)}: stray text inside <{local_name(element)}> ignored"
        if element is not root and (element.tail or "").strip():
            yield f"{path}:{line_of(element)}: stray text after <{local_name(element)}> ignored"


def _capitalised(root: etree._Element, path: Path) -> Iterator[str]:
    """Warn about True/False, which Salesforce reads but never writes."""
    for element in root.iter():
        value = (element.text or "").strip() if isinstance(element.tag, str) else ""
        if value in _CAPITALISED and not len(element):
            where = f"{path}:{line_of(element)}"
            yield f"{where}: {value} read as {value.lower()} (Salesforce writes it so)"


def _last_of_repeats(
    container: PermissionContainer, path: Path, warnings: list[str]
) -> PermissionContainer:
    """Keep one entry per key, the last; warn about each repeat (and which conflict)."""
    lists: dict[str, Any] = {}
    for attr, entry_key in ENTRY_KEYS.items():
        lists[attr] = _keep_last(getattr(container, attr), entry_key, path, warnings, attr)
    extras = _keep_last(container.extras, _node_identity, path, warnings, "")
    return dataclasses.replace(container, extras=extras, **lists)


def _node_identity(node: Node) -> object:
    identity = extra_key(node)
    return (node.tag, identity) if identity is not None else id(node)


def _keep_last(
    entries: Sequence[Any], entry_key: Any, path: Path, warnings: list[str], what: str
) -> tuple[Any, ...]:
    kept: dict[object, Any] = {}
    for entry in entries:
        name = entry_key(entry)
        before = kept.pop(name, None)
        if before is not None:
            label = f"{what} {name}" if what else f"<{entry.tag}> {', '.join(name[1])}"
            same = _plain(before) == _plain(entry)
            verdict = "same values, kept once" if same else "values differ, the last kept"
            warnings.append(f"{path}:{entry.line}: {label} repeats line {before.line}: {verdict}")
        kept[name] = entry
    return tuple(kept.values())


def _plain(entry: Any) -> Any:
    """Return an entry with capitalised booleans as Salesforce reads them (Nodes only)."""
    if not isinstance(entry, Node):
        return entry
    text = entry.text.lower() if entry.text in ("True", "False", "TRUE", "FALSE") else entry.text
    return Node(entry.tag, text, tuple(_plain(c) for c in entry.children))


def remove_table(text: str, table: str, name: str, project_file: Path) -> str:
    """Return ``text`` without the ``[table.name]`` block and its sub-tables.

    Raises ConfigError when the table is declared in another form (inline, dotted keys) that
    cannot be cut out line by line.
    """
    lines = text.splitlines(keepends=True)
    start = end = None
    for index, line in enumerate(lines):
        path = _header_path(line)
        if path is None:
            continue
        inside = path[:2] == [table, name] or [p.lower() for p in path[:2]] == [
            table,
            name.lower(),
        ]
        if start is None and inside and len(path) == 2:
            start = index
        elif start is not None and not inside:
            end = index
            break
    if start is not None:
        lines[start : end if end is not None else len(lines)] = []
    remaining = "".join(lines)
    left = tomllib.loads(remaining).get(table, {})
    if start is None or any(n.lower() == name.lower() for n in left):
        raise ConfigError(
            f"{project_file}: {table}.{key(name)} is not written as a [{table}.{key(name)}] "
            "table, so --replace cannot swap it; remove it by hand, nothing was written"
        )
    return remaining


def _header_path(line: str) -> list[str] | None:
    """Return the key path of a ``[a.b]`` table header line, or None for any other line."""
    stripped = line.strip()
    if not stripped.startswith("[") or stripped.startswith("[["):
        return None
    try:
        parsed = tomllib.loads(stripped + "\n")
    except tomllib.TOMLDecodeError:
        return None
    path = []
    while isinstance(parsed, dict) and len(parsed) == 1:
        ((step, parsed),) = parsed.items()
        path.append(step)
    return path
