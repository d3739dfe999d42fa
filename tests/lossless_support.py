"""Compare two components the way "nothing was lost" means it: every entry and value, with
order, whitespace, ``True``/``true`` and an absent optional flag vs ``false`` aside."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from apionly_deploy.model.components import (
    Component,
    Kind,
    Node,
    PermissionContainer,
    PermissionSetGroup,
)
from apionly_deploy.model.merge import ENTRY_KEYS, canonical
from apionly_deploy.model.xmlread import truth
from apionly_deploy.project.config import load_project
from apionly_deploy.project.declarations import build_bundle

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_FILES = sorted(
    p
    for folder in ("real-metadata", "real-lossless")
    for p in (FIXTURES / folder).iterdir()
    if p.suffix != ".md"
)
_FLAGS = {"true", "false", "True", "False", "1", "0"}


def file_name(path: Path) -> str:
    """Return the component name of a fixture named ``origin__Name.kind-meta.xml``."""
    return path.name.split("__", 1)[1].split(".")[0]


def node(n: Node) -> tuple[Any, ...]:
    """Return a Node as a comparable tuple: children sorted, booleans as Python booleans."""
    text: Any = n.text or ""
    if text in _FLAGS:
        text = truth(text)
    return (n.tag, text, tuple(sorted((node(c) for c in n.children), key=repr)))


def normalised(component: Component) -> Any:
    """Return what must survive a round trip, as plain comparable data."""
    c = canonical(component)
    extras = sorted((node(n) for n in c.extras), key=repr)
    if isinstance(c, PermissionSetGroup):
        return (
            c.name,
            c.label,
            c.description,
            bool(c.has_activation_required),
            sorted(c.permission_sets),
            sorted(c.muting_permission_sets),
            c.status,
            extras,
        )
    assert isinstance(c, PermissionContainer)
    # An entry repeated with the same key is adopted once, the last one winning.
    last = {attr: {key(e): e for e in getattr(c, attr)} for attr, key in ENTRY_KEYS.items()}
    entries = dataclasses.replace(
        c,
        **{
            attr: tuple(sorted(found.values(), key=ENTRY_KEYS[attr]))
            for attr, found in last.items()
        },
        label=None if c.kind is Kind.PROFILE else c.label,
        has_activation_required=bool(c.has_activation_required),
        extras=(),
    )
    return dataclasses.replace(
        entries,
        object_permissions=tuple(
            dataclasses.replace(
                o,
                view_all_fields=bool(o.view_all_fields),
                customize_setup=bool(o.customize_setup),
                delete_setup=bool(o.delete_setup),
                view_setup=bool(o.view_setup),
            )
            for o in entries.object_permissions
        ),
        record_types=tuple(
            dataclasses.replace(
                r,
                default=bool(r.default),
                person_account_default=bool(r.person_account_default),
            )
            for r in entries.record_types
        ),
    ), extras


def load_tables(
    project: Path, text: str, api_version: str = "66.0"
) -> dict[tuple[Kind, str], Component]:
    """Write ``text`` as a project file under ``project`` and return what it declares."""
    (project / "apionly.toml").write_text(
        f'[project]\napi_version = "{api_version}"\n\n' + text, encoding="utf-8"
    )
    bundle = build_bundle(load_project(project))
    return {(c.kind, c.name): c for c in bundle.components}
