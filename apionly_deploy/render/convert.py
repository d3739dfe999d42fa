"""Convert source-format folders (an sfdx package directory) to a Metadata API package, in memory.

Only the permission types and the companion types the local org models are converted (objects
with their decomposed fields, record types, list views and validation rules; Apex classes and
pages; tabs, apps, custom permissions, layouts); every other file is listed as left out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from apionly_deploy.errors import ContentError
from apionly_deploy.model import names
from apionly_deploy.model.components import Kind
from apionly_deploy.model.xmldoc import METADATA_NS, local_name, parse_bytes

#: ``X.<suffix>-meta.xml`` -> (type, mdapi folder, mdapi suffix): one file per component.
_SINGLE = {
    **{kind.suffix: (kind.value, kind.folder, kind.suffix) for kind in Kind},
    "tab": ("CustomTab", "tabs", "tab"),
    "app": ("CustomApplication", "applications", "app"),
    "customPermission": ("CustomPermission", "customPermissions", "customPermission"),
    "layout": ("Layout", "layouts", "layout"),
}
#: ``X.<suffix>`` with ``X.<suffix>-meta.xml`` beside it: the body and its metadata file.
_WITH_BODY = {"cls": ("ApexClass", "classes"), "page": ("ApexPage", "pages")}
#: Files of an object's decomposed children -> the CustomObject element that holds them.
_OBJECT_CHILDREN = {
    "field": "fields",
    "recordType": "recordTypes",
    "listView": "listViews",
    "validationRule": "validationRules",
    "compactLayout": "compactLayouts",
    "webLink": "webLinks",
    "fieldSet": "fieldSets",
    "businessProcess": "businessProcesses",
    "sharingReason": "sharingReasons",
    "index": "indexes",
}
_M = f"{{{METADATA_NS}}}"


@dataclass(slots=True)
class Converted:
    """The Metadata API files (without package.xml), their members, and what was left out."""

    files: dict[str, bytes] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)
    #: Decomposed object parts: {object name: (object file or None, [child files])}.
    objects: dict[str, tuple[Path | None, list[Path]]] = field(default_factory=dict)

    def add(self, type_name: str, name: str, path: str, data: bytes) -> None:
        if path in self.files:
            raise ContentError(f"{type_name} {name!r} is in more than one source folder")
        self.files[path] = data
        self.members.setdefault(type_name, []).append(name)


def _walk(folder: Path) -> Iterator[Path]:
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(here) / name


def _split(name: str) -> tuple[str, str] | None:
    """Return (component name, suffix) of ``X.<suffix>-meta.xml``, or None."""
    if not name.endswith("-meta.xml"):
        return None
    stem = name[: -len("-meta.xml")]
    base, dot, suffix = stem.rpartition(".")
    return (base, suffix) if dot and base else None


def _place(path: Path, out: Converted) -> None:
    split = _split(path.name)
    if split is None:
        ext = path.name.rpartition(".")[2]
        if ext not in _WITH_BODY or not path.with_name(path.name + "-meta.xml").is_file():
            out.left_out.append(str(path))
        return  # a class or page body goes in with its -meta.xml
    encoded, suffix = split
    name = unquote(encoded)
    if suffix in _SINGLE:
        type_name, folder, mdapi_suffix = _SINGLE[suffix]
        out.add(type_name, name, f"{folder}/{encoded}.{mdapi_suffix}", path.read_bytes())
    elif suffix in _WITH_BODY:
        type_name, folder = _WITH_BODY[suffix]
        body = path.with_name(f"{encoded}.{suffix}")
        if not body.is_file():
            raise ContentError(f"{path}: no {body.name} beside it")
        out.add(type_name, name, f"{folder}/{encoded}.{suffix}", body.read_bytes())
        out.files[f"{folder}/{encoded}.{suffix}-meta.xml"] = path.read_bytes()
    elif suffix == "object":
        out.objects.setdefault(name, (None, []))
        out.objects[name] = (path, out.objects[name][1])
    elif suffix in _OBJECT_CHILDREN and path.parent.parent.parent.name == "objects":
        out.objects.setdefault(path.parent.parent.name, (None, []))[1].append(path)
    else:
        out.left_out.append(str(path))


def _child(path: Path) -> etree._Element:
    root = parse_bytes(path.read_bytes(), source=str(path))
    suffix = path.name[: -len("-meta.xml")].rpartition(".")[2]
    wrapper = etree.Element(_M + _OBJECT_CHILDREN[suffix])
    if root.find(_M + "fullName") is None:
        etree.SubElement(wrapper, _M + "fullName").text = unquote(path.name.split(".")[0])
    wrapper.extend(list(root))
    return wrapper


def _object_xml(parent: Path | None, children: list[Path]) -> bytes:
    if parent is not None:
        root = parse_bytes(parent.read_bytes(), source=str(parent))
    else:
        root = etree.Element(_M + "CustomObject", nsmap={None: METADATA_NS})  # type: ignore[dict-item]
    elements = [e for e in root if isinstance(e.tag, str)] + [_child(p) for p in children]
    for element in list(root):
        root.remove(element)
    # CustomObject's schema order is alphabetical; a stable sort keeps each kind's own order.
    root.extend(sorted(elements, key=local_name))
    etree.indent(root, space="    ")
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def convert_source(folders: Sequence[Path]) -> Converted:
    """Return the Metadata API files of every modelled component under ``folders``."""
    out = Converted()
    for folder in folders:
        if not folder.is_dir():
            raise ContentError(f"{folder}: not a folder; --source-dir takes source-format folders")
        for path in _walk(folder):
            _place(path, out)
    for name, (parent, children) in sorted(out.objects.items()):
        target = f"objects/{names.encode_file_name(name)}.object"
        out.add("CustomObject", name, target, _object_xml(parent, sorted(children)))
    return out
