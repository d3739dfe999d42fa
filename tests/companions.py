"""Minimal metadata packages of the components permission files name (classes, flows...), to
deploy to the local org before the permission files that name them."""

from __future__ import annotations

from pathlib import Path

NS = "http://soap.sforce.com/2006/04/metadata"

#: metadata type -> (folder, suffix, root element body for a name)
_FILES = {
    "ApexClass": ("classes", "cls", None),
    "ApexPage": ("pages", "page", None),
    "CustomApplication": ("applications", "app", "<label>{name}</label>"),
    "CustomObject": ("objects", "object", "<label>{name}</label>{extra}"),
    "CustomPermission": ("customPermissions", "customPermission", "<label>{name}</label>"),
    "CustomTab": ("tabs", "tab", "<label>{name}</label>"),
    "ExternalCredential": (
        "externalCredentials",
        "externalCredential",
        "<authenticationProtocol>Custom</authenticationProtocol>{extra}<label>{name}</label>",
    ),
    "ExternalDataSource": ("dataSources", "dataSource", "<label>{name}</label><type>OData4</type>"),
    "Flow": ("flows", "flow", "<label>{name}</label><processType>AutoLaunchedFlow</processType>"),
    "Layout": ("layouts", "layout", ""),
}


def principal(name: str) -> str:
    """Return the XML of an external credential's named principal."""
    return (
        f"<externalCredentialParameters><parameterName>{name}</parameterName>"
        "<parameterType>NamedPrincipal</parameterType><sequenceNumber>1</sequenceNumber>"
        "</externalCredentialParameters>"
    )


def record_type(name: str) -> str:
    """Return the XML of an object's record type."""
    return (
        f"<recordTypes><fullName>{name}</fullName><active>true</active><label>{name}</label>"
        "</recordTypes>"
    )


def write_package(
    folder: Path, components: dict[str, list[str]], extra: dict[str, str] | None = None
) -> Path:
    """Write an mdapi package of ``{type: [names]}`` under ``folder``; ``extra`` adds XML to a
    named component's root (``{"Account": record_type("Partner")}``)."""
    extra = extra or {}
    types = []
    for type_name, names in sorted(components.items()):
        sub, suffix, body = _FILES[type_name]
        (folder / sub).mkdir(parents=True, exist_ok=True)
        for name in names:
            path = folder / sub / f"{name}.{suffix}"
            if body is None:
                path.write_text(
                    f"public class {name} {{}}\n" if type_name == "ApexClass" else "<apex:page/>\n"
                )
            else:
                inner = body.format(name=name, extra=extra.get(name, ""))
                path.write_text(
                    f'<?xml version="1.0" encoding="UTF-8"?>\n<{type_name} xmlns="{NS}">{inner}</{type_name}>\n'
                )
        members = "".join(f"<members>{n}</members>" for n in names)
        types.append(f"<types>{members}<name>{type_name}</name></types>")
    (folder / "package.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="{NS}">{"".join(types)}<version>66.0</version></Package>\n'
    )
    return folder
