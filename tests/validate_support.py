"""Builders of small permission documents for the validation tests (elements in schema order)."""

from __future__ import annotations

from apionly_deploy.check import schema

NS = "http://soap.sforce.com/2006/04/metadata"


def user(name: str, enabled: bool = True) -> tuple[str, str]:
    return "userPermissions", f"<enabled>{str(enabled).lower()}</enabled><name>{name}</name>"


def field(name: str, readable: bool = True, editable: bool = False) -> tuple[str, str]:
    body = f"<editable>{str(editable).lower()}</editable><field>{name}</field>"
    return "fieldPermissions", body + f"<readable>{str(readable).lower()}</readable>"


def obj(name: str, *flags: str) -> tuple[str, str]:
    def b(flag: str) -> str:
        return "true" if flag in flags else "false"

    return "objectPermissions", (
        f"<allowCreate>{b('create')}</allowCreate><allowDelete>{b('delete')}</allowDelete>"
        f"<allowEdit>{b('edit')}</allowEdit><allowRead>{b('read')}</allowRead>"
        f"<modifyAllRecords>{b('modify_all')}</modifyAllRecords><object>{name}</object>"
        f"<viewAllRecords>{b('view_all')}</viewAllRecords>"
    )


def cls(name: str, enabled: bool = True) -> tuple[str, str]:
    return (
        "classAccesses",
        f"<apexClass>{name}</apexClass><enabled>{str(enabled).lower()}</enabled>",
    )


def ip_range(start: str, end: str) -> tuple[str, str]:
    return "loginIpRanges", f"<endAddress>{end}</endAddress><startAddress>{start}</startAddress>"


def text(tag: str, value: str) -> tuple[str, str]:
    return tag, f"\x00{value}"


def document(root: str, *entries: tuple[str, str], label: str | None = "Test") -> bytes:
    """Return an indented document: one entry per line group, in the schema's element order."""
    order = schema.types_for(schema.newest_version()).types[root].children
    items = list(entries)
    if label is not None and root != "Profile":
        items.append(text("label", label))
    items.sort(key=lambda item: order[item[0]].position)  # stable: entry order kept per tag
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="{NS}">']
    for tag, body in items:
        if body.startswith("\x00"):
            lines.append(f"    <{tag}>{body[1:]}</{tag}>")
            continue
        lines.append(f"    <{tag}>")
        lines += ["        " + part for part in body.replace("><", ">\n<").split("\n")]
        lines.append(f"    </{tag}>")
    lines.append(f"</{root}>")
    return ("\n".join(lines) + "\n").encode()


def permission_set(*entries: tuple[str, str], label: str | None = "Test") -> bytes:
    return document("PermissionSet", *entries, label=label)


def profile(*entries: tuple[str, str]) -> bytes:
    return document("Profile", *entries)


def muting_set(*entries: tuple[str, str]) -> bytes:
    return document("MutingPermissionSet", *entries)
