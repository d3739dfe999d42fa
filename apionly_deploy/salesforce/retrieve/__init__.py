"""Retrieve Profiles, Permission Sets and Groups from an org into files, and into the project.

``fetch`` asks the org and waits, ``files`` unpacks safely and writes atomically,
``to_config`` turns components into ``apionly.toml`` tables.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from apionly_deploy.errors import ConfigError
from apionly_deploy.model.components import Component
from apionly_deploy.model.parse import parse_component_bytes
from apionly_deploy.project.to_config import TABLES, Converted, to_config
from apionly_deploy.salesforce.deploy.polling import Clock, Sleep
from apionly_deploy.salesforce.metadata_api import MetadataClient
from apionly_deploy.salesforce.retrieve.fetch import RETRIEVABLE, Selection, retrieve
from apionly_deploy.salesforce.retrieve.files import (
    layout_paths,
    permission_files,
    unpack,
    write_files,
)

__all__ = [
    "RETRIEVABLE",
    "Converted",
    "Retrieved",
    "Selection",
    "add_to_project",
    "retrieve",
    "retrieve_into",
    "to_config",
]


@dataclass(frozen=True, slots=True)
class Retrieved:
    """What a retrieve brought back and where it went."""

    job_id: str
    components: tuple[Component, ...]
    written: tuple[Path, ...]
    messages: tuple[str, ...]


def retrieve_into(
    client: MetadataClient,
    selection: Selection,
    *,
    out_dir: Path,
    layout: str = "source",
    timeout: float = 600.0,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    relogin: Callable[[], MetadataClient] | None = None,
) -> Retrieved:
    """Retrieve ``selection`` and write its permission files under ``out_dir``."""
    result = retrieve(client, selection, timeout=timeout, sleep=sleep, clock=clock, relogin=relogin)
    found = permission_files(unpack(result.zip_file or b""))
    components = tuple(
        parse_component_bytes(data, name=name, source=f"{kind.folder}/{name}")
        for (kind, name), data in sorted(found.items())
    )
    written = write_files(layout_paths(found, layout=layout), out_dir)
    messages = tuple(f"{m.file_name}: {m.problem}" for m in result.messages)
    return Retrieved(result.id, components, tuple(written), messages)


def add_to_project(
    project_file: Path, components: tuple[Component, ...], *, api_version: str, origin: str
) -> tuple[Converted, tuple[str, ...]]:
    """Append tables for ``components`` the project does not declare yet; return them and skips.

    The file is appended to, never rewritten: its comments and order stay as they are.
    """
    from apionly_deploy.render.package import write_atomic

    text = project_file.read_text(encoding="utf-8") if project_file.exists() else ""
    try:
        existing = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{project_file}: invalid TOML ({exc}); fix it before --to-config"
        ) from None
    declared = {
        (kind, name.lower()) for kind, table in TABLES.items() for name in existing.get(table, {})
    }
    new = tuple(c for c in components if (c.kind, c.name.lower()) not in declared)
    skipped = tuple(f"{c.kind} {c.name}" for c in components if c not in new)
    converted = to_config(new)
    if not new:
        return converted, skipped
    header = "" if text else f'[project]\napi_version = "{api_version}"\n'
    separator = "\n" if text.endswith("\n") or not text else "\n\n"
    block = f"\n# Retrieved from {origin} by `apionly-deploy retrieve --to-config`.\n"
    write_atomic(project_file, (text + separator + header + block + converted.text).encode())
    return converted, skipped
