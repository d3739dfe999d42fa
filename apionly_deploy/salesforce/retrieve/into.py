"""Retrieve permission components and write their files: the ``retrieve`` verb's library call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from apionly_deploy.errors import ContentError
from apionly_deploy.model.components import Component
from apionly_deploy.model.parse import parse_component_bytes
from apionly_deploy.salesforce.deploy.polling import Clock, Sleep
from apionly_deploy.salesforce.metadata_api.client import MetadataClient
from apionly_deploy.salesforce.retrieve.fetch import Selection, retrieve
from apionly_deploy.salesforce.retrieve.files import (
    layout_paths,
    permission_files,
    unpack,
    write_files,
)


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
    missing = [
        f"{kind} {name!r}"
        for kind, wanted in selection.names.items()
        for name in wanted
        if (kind, name) not in found
    ]
    if missing and not selection.everything:
        raise ContentError(
            f"not in the org: {', '.join(missing)} (check the spelling: API names, and a "
            "profile's full name such as Admin); nothing was written"
        )
    components = tuple(
        parse_component_bytes(data, name=name, source=f"{kind.folder}/{name}")
        for (kind, name), data in sorted(found.items())
    )
    written = write_files(layout_paths(found, layout=layout), out_dir)
    messages = tuple(f"{m.file_name}: {m.problem}" for m in result.messages)
    return Retrieved(result.id, components, tuple(written), messages)
