"""Load ``apionly.toml``: per-org variables, interpolation, and precise errors.

Every problem becomes one ConfigError naming the file, the line (where it can be found), the key
path and the fix. Nothing is written while loading.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from apionly_deploy.errors import ConfigError
from apionly_deploy.fileio import read_limited
from apionly_deploy.model.components import Kind
from apionly_deploy.model.names import nfc
from apionly_deploy.model.text import one_line
from apionly_deploy.project import toml_fast
from apionly_deploy.project.toml_lines import LineIndex, line_index

PROJECT_FILE = "apionly.toml"
#: The largest project file read (the 50,000-field benchmark project is 3.5 MB).
MAX_PROJECT_BYTES = 64 * 1024 * 1024
DEFAULT_API_VERSION = "62.0"
#: Target names that need no ``[orgs.NAME]`` table.
BUILTIN_ORGS = ("local", "env")

#: ``${name}`` and its escape ``$${``, which stands for a literal ``${``.
_VAR = re.compile(r"\$\$\{|\$\{([^}]*)\}")
#: Internal key under which interpolation learns the chosen org (not a valid variable name).
_SELECTED_ORG = "${org}"
#: Internal key listing the environment variables ``[orgs]`` may read besides APIONLY_*.
_ALLOWED_ENV = "${environment}"
#: An org name: it becomes part of paths (``retrieved/NAME``) and variable names.
ORG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_API_VERSION = re.compile(r"[1-9][0-9]\.0")
#: The table of each component kind in the project file (and under ``[delete]``).
KIND_TABLES: Mapping[Kind, str] = MappingProxyType(
    {
        Kind.PERMISSION_SET: "permission_sets",
        Kind.MUTING_PERMISSION_SET: "muting_permission_sets",
        Kind.PROFILE: "profiles",
        Kind.PERMISSION_SET_GROUP: "permission_set_groups",
    }
)
TABLE_KINDS: Mapping[str, Kind] = MappingProxyType({t: k for k, t in KIND_TABLES.items()})
_TOP_KEYS = ("project", "vars", *KIND_TABLES.values(), "delete", "users", "orgs")


@dataclass(frozen=True)
class SourceFile:
    """The project file's path and text, for error messages that point at a line."""

    path: Path
    text: str

    @cached_property
    def lines(self) -> LineIndex:
        """Return the line of every table header and key path (built on first use)."""
        return line_index(nfc(self.text))  # keys are looked up in NFC

    def locate(self, key_path: Sequence[str]) -> str:
        """Return ``file:line: dotted.key`` for ``key_path`` (``file:line`` when empty)."""
        line = _lookup(self.lines, key_path)
        where = f"{self.path}:{line}" if line else str(self.path)
        dotted = ".".join(_quote_key(k) for k in key_path)
        return f"{where}: {dotted}" if dotted else where

    def error(self, key_path: Sequence[str], problem: str, fix: str = "") -> ConfigError:
        """Build a one-line ConfigError for ``key_path``."""
        message = f"{self.locate(key_path)}: {problem}"
        return ConfigError(one_line(f"{message}; {fix}" if fix else message))

    def line(self, key_path: Sequence[str]) -> int:
        """Return the line of ``key_path`` (or of its nearest parent), 0 when unknown."""
        return _lookup(self.lines, key_path) or 0


@dataclass(frozen=True, slots=True)
class Project:
    """A loaded project: raw tables with variables resolved, plus where they came from."""

    root: Path
    source: SourceFile
    name: str
    api_version: str
    org: str | None
    vars: Mapping[str, str]
    tables: Mapping[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> Mapping[str, Any]:
        """Return a top-level table (empty when absent)."""
        value = self.tables.get(key, {})
        return value if isinstance(value, Mapping) else {}

    @property
    def orgs(self) -> Mapping[str, Mapping[str, Any]]:
        """Return the ``[orgs.NAME]`` tables."""
        return self.table("orgs")

    @property
    def users(self) -> Mapping[str, Mapping[str, Any]]:
        """Return the ``[users."NAME"]`` tables."""
        return self.table("users")


def _quote_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def locate(text: str, key_path: Sequence[str]) -> int | None:
    """Return the 1-based line where ``key_path`` (or its longest known prefix) is defined."""
    return _lookup(line_index(text), key_path)


def _lookup(index: Mapping[tuple[str, ...], int], key_path: Sequence[str]) -> int | None:
    path = tuple(key_path)
    for cut in range(len(path), 0, -1):
        line = index.get(path[:cut])
        if line is not None:
            return line
    return None


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """Return a ' (did you mean X?)' suffix, or an empty string."""
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def check_keys(
    src: SourceFile, path: Sequence[str], table: Mapping[str, Any], allowed: Sequence[str]
) -> None:
    """Raise for the first key of ``table`` that is not in ``allowed``."""
    for key in table:
        if key not in allowed:
            raise src.error(
                (*path, key),
                f"unknown key{did_you_mean(key, allowed)}",
                f"allowed keys: {', '.join(allowed)}",
            )


def load_project(root: Path, *, org: str | None = None) -> Project:
    """Load ``root/apionly.toml`` (or the file ``root``) with the variables of ``org``."""
    path = root if root.is_file() else root / PROJECT_FILE
    try:
        text = read_limited(path, MAX_PROJECT_BYTES).decode("utf-8-sig")  # a BOM is allowed
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no project file; run `apionly-deploy init {root}` or pass -p DIR"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the project file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read the project file: {exc}") from None
    src = SourceFile(path=path, text=text)
    try:
        data = toml_fast.loads(text)
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f"{path}:{line.group(1)}" if line else str(path)
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    data = _nfc(src, (), data)
    check_keys(src, (), data, _TOP_KEYS)
    for key in _TOP_KEYS:  # `users = 3` would otherwise read as "no users declared"
        _table(src, data, key)
    project = _table(src, data, "project")
    check_keys(src, ("project",), project, ("name", "api_version", "environment"))
    _check_org_names(src, _table(src, data, "orgs"))
    variables = _variables(src, data, org)
    scope = {**variables, _SELECTED_ORG: org or "", _ALLOWED_ENV: _allowed_env(src, project)}
    tables = {key: _interpolate(src, (key,), data[key], scope) for key in data}
    api_version = str(project.get("api_version", DEFAULT_API_VERSION))
    if not _API_VERSION.fullmatch(api_version):
        raise src.error(
            ("project", "api_version"),
            f"{api_version!r} is not an API version",
            'write it like "62.0"',
        )
    name = project.get("name", path.parent.name)
    if not isinstance(name, str):
        raise src.error(("project", "name"), "must be a string")
    return Project(
        root=path.parent,
        source=src,
        name=name,
        api_version=api_version,
        org=org,
        vars=MappingProxyType(variables),
        tables=MappingProxyType(tables),
    )


def _nfc(src: SourceFile, path: tuple[str, ...], value: Any) -> Any:
    """Return ``value`` with every key, and every string outside ``[orgs]``, in Unicode NFC:
    a name typed composed and the same name typed decomposed are one name. Two keys of one
    table that differ only so are a duplicate."""
    if isinstance(value, str):
        return value if path[:1] == ("orgs",) else nfc(value)
    if isinstance(value, list):
        return [_nfc(src, path, item) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = nfc(key)
        if name in result:
            raise src.error(
                (*path, name),
                f"duplicate name: {one_line(name)!r} is declared twice, in two Unicode forms",
                "keep one of them",
            )
        result[name] = (
            item if type(item) is str and item.isascii() else _nfc(src, (*path, name), item)
        )
    return result


def _table(src: SourceFile, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise src.error((key,), "must be a table", f"write it as [{key}]")
    return value


def _check_org_names(src: SourceFile, orgs: Mapping[str, Any]) -> None:
    for name in orgs:
        if name in BUILTIN_ORGS:
            raise src.error(
                ("orgs", name),
                f"{name!r} is a reserved org name (-o {name} is built in)",
                "rename the table",
            )
        if not ORG_NAME.fullmatch(name):
            raise src.error(
                ("orgs", name),
                f"{one_line(name)!r} is not an org name",
                "use up to 64 letters, digits, '-' and '_'",
            )


def _allowed_env(src: SourceFile, project: Mapping[str, Any]) -> str:
    """Return ``[project] environment``, the variables ``[orgs]`` may read, joined by NUL."""
    names = project.get("environment", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise src.error(("project", "environment"), "must be a list of variable names")
    return "\0".join(names)


def _variables(src: SourceFile, data: Mapping[str, Any], org: str | None) -> dict[str, str]:
    """Return ``[vars]`` overlaid with ``[orgs.ORG.vars]``."""
    merged: dict[str, str] = {}
    orgs = _table(src, data, "orgs")
    layers: list[tuple[tuple[str, ...], Any]] = [(("vars",), data.get("vars", {}))]
    if org is not None:
        if org not in orgs and org not in BUILTIN_ORGS:
            known = sorted([*orgs, *BUILTIN_ORGS])
            raise src.error(
                ("orgs",),
                f"no org named {org!r}{did_you_mean(org, known)}",
                f"define [orgs.{org}] or use one of: {', '.join(known)}",
            )
        org_table = orgs.get(org, {})
        if isinstance(org_table, Mapping):
            layers.append((("orgs", org, "vars"), org_table.get("vars", {})))
    for path, layer in layers:
        if not isinstance(layer, Mapping):
            raise src.error(path, "must be a table of strings")
        for key, value in layer.items():
            if not isinstance(value, str | int | float | bool):
                raise src.error((*path, key), "must be a string, number or boolean")
            merged[key] = _scalar_text(value)
    return merged


def _scalar_text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _interpolate(
    src: SourceFile, path: tuple[str, ...], value: Any, variables: Mapping[str, str]
) -> Any:
    """Resolve ``${name}`` in every string; ``[orgs]`` may also name environment variables."""
    if isinstance(value, str):
        return _substitute(src, path, value, variables)
    if isinstance(value, Mapping):
        # Strings without ``${`` are kept as they are; skipping the call for them matters on
        # tables of tens of thousands of fields.
        return {
            k: v
            if type(v) is str and "${" not in v
            else _interpolate(src, (*path, k), v, variables)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_interpolate(src, (*path, str(i)), v, variables) for i, v in enumerate(value)]
    return value


def _names(variables: Mapping[str, str]) -> list[str]:
    return [name for name in variables if name not in (_SELECTED_ORG, _ALLOWED_ENV)]


def _substitute(
    src: SourceFile, path: tuple[str, ...], text: str, variables: Mapping[str, str]
) -> str:
    if "${" not in text or path[0] == "vars":
        return text

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return "${"  # the escape $${
        name = match.group(1).strip()
        if name in variables:
            return variables[name]
        if path[0] == "orgs" and name in os.environ and _may_read(name, variables):
            return os.environ[name]
        if path[0] == "orgs" and (len(path) < 2 or path[1] != variables.get(_SELECTED_ORG)):
            return match.group(0)  # another org's secret path: resolved when that org is used
        if path[0] == "orgs" and name in os.environ:
            raise src.error(
                path[:2],
                f"${{{name}}} names an environment variable the project may not read",
                f'add it to [project] environment = ["{name}"] (APIONLY_* need no entry)',
            )
        where = "[vars] or the environment" if path[0] == "orgs" else "[vars]"
        raise src.error(
            path[:2] if path[0] == "orgs" else path,
            f"undefined variable ${{{name}}}{did_you_mean(name, _names(variables))}",
            f"define it in {where}",
        )

    return _VAR.sub(replace, text)


def _may_read(name: str, variables: Mapping[str, str]) -> bool:
    """Return True when ``[orgs]`` may read environment variable ``name``.

    A pull request could otherwise copy any of the pipeline's variables into a login URL it
    controls; only APIONLY_* and the names ``[project] environment`` lists are read.
    """
    return name.startswith("APIONLY_") or name in variables[_ALLOWED_ENV].split("\0")
