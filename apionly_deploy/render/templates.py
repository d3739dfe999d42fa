"""Render model components to Salesforce XML with Jinja templates, and write them atomically.

Output is deterministic: entries are sorted by their key, elements follow the Metadata API
schema order, text is escaped the way Salesforce escapes it, and files end with a newline.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from apionly_deploy.errors import ConfigError, RenderError
from apionly_deploy.fileio import read_limited
from apionly_deploy.model import names
from apionly_deploy.model.components import Bundle, Component, Kind, Node, PermissionContainer
from apionly_deploy.model.merge import sorted_entry_lists
from apionly_deploy.model.xmldoc import escape_text
from apionly_deploy.render import output

_PACKAGE = Path(__file__).resolve().parent.parent
BUILTIN_TEMPLATES = _PACKAGE / "templates"  # in the wheel
_SOURCE_TREE_TEMPLATES = _PACKAGE.parent / "templates"  # in a checkout
_MARKER = ".apionly-render"
MAX_TEMPLATE_BYTES = 1024 * 1024

TEMPLATE_OF = {
    Kind.PROFILE: "profile.xml.j2",
    Kind.PERMISSION_SET: "permissionset.xml.j2",
    Kind.MUTING_PERMISSION_SET: "permissionset.xml.j2",
    Kind.PERMISSION_SET_GROUP: "permissionsetgroup.xml.j2",
}
PACKAGE_TEMPLATE = "package.xml.j2"


class Layout(StrEnum):
    SOURCE = "source"
    MDAPI = "mdapi"


def builtin_template_dir() -> Path:
    """Return the built-in templates: inside the wheel, or the repo's ``templates/``."""
    return BUILTIN_TEMPLATES if BUILTIN_TEMPLATES.is_dir() else _SOURCE_TREE_TEMPLATES


def _finalize(value: Any) -> Any:
    """Print booleans as Salesforce does and escape text with its entity style.

    Used by a project's own templates, where autoescaping then passes the result through
    ``markupsafe.escape``: text with nothing to escape goes back as a plain ``str`` (escape
    leaves it as it is, and building one Markup instead of two matters for big profiles).
    """
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        escaped = escape_text(value)
        if escaped == value:
            return escaped  # a plain str: nothing for markupsafe to escape either
        return Markup(escaped)  # noqa: S704 (escape_text escapes it)
    return value


def _escape_output(value: Any) -> str:
    """Return what one ``{{ }}`` of a built-in template prints: always escaped, Salesforce style.

    The built-in environment has no autoescaping, so this is the only escaping step: booleans
    print as Salesforce does, markup (``x.upto(...)``, ``|safe``) is printed as it is, and
    everything else is turned into text and escaped. One call per value instead of three.
    """
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
            return escape_text(value)
        return value  # most names: five C-level scans instead of five replaces
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return escape_text(str(value))  # StrictUndefined raises here, as with autoescaping


_COMMON: dict[str, Any] = {
    "undefined": jinja2.StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
}


@lru_cache(maxsize=1)
def builtin_environment() -> jinja2.Environment:
    """Return the environment of the built-in templates (never a project's files).

    Its templates are ours and use no macros, blocks or filters, so escaping every output in
    ``finalize`` is the same as autoescaping plus ``_finalize``, only cheaper (a large org
    renders 325,000 values). The golden tests pin the bytes.
    """
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(builtin_template_dir())),
        autoescape=False,  # noqa: S701 (finalize escapes every output: _escape_output)
        finalize=_escape_output,
        **_COMMON,
    )


class ProjectLoader(jinja2.BaseLoader):
    """Load a project's own templates: no link out of its folder, no device, bounded size.

    A pull request could otherwise ``{% include %}`` a link to ``/proc/self/environ`` and put
    the pipeline's secrets into the rendered XML and the diff's PR comment.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        shown = self.folder / template
        if not os.path.lexists(shown):
            raise jinja2.TemplateNotFound(template)
        path = shown.resolve()
        if not path.is_relative_to(self.folder):
            raise RenderError(f"{shown}: a link out of the templates folder; copy the file in")
        try:
            source = read_limited(path, MAX_TEMPLATE_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise RenderError(f"{shown}: cannot read the template: {reason}") from None
        mtime = path.stat().st_mtime
        return source, str(path), lambda: path.stat().st_mtime == mtime


@lru_cache(maxsize=8)
def environment(override_dir: Path | None = None) -> jinja2.Environment:
    """Return the environment of a project's ``templates/`` (overriding built-ins file by file).

    Project templates are code from a pull request: they run in Jinja's sandbox, which keeps
    them from reaching Python's internals (``cycler.__init__.__globals__.os`` ...).
    """
    loaders: list[jinja2.BaseLoader] = []
    if override_dir is not None and override_dir.is_dir():
        loaders.append(ProjectLoader(override_dir))
    loaders.append(jinja2.FileSystemLoader(str(builtin_template_dir())))
    return ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders), autoescape=True, finalize=_finalize, **_COMMON
    )


def _template(name: str, override_dir: Path | None) -> jinja2.Template:
    """Return template ``name``: the project's own file when it has one, else the built-in."""
    if override_dir is not None and os.path.lexists(override_dir / name):
        return environment(override_dir).get_template(name)
    return builtin_environment().get_template(name)


class ExtrasCursor:
    """Emit untyped elements at their alphabetical place between the template's own blocks."""

    def __init__(self, extras: Iterable[Node]) -> None:
        self._pending = sorted(extras, key=lambda n: n.tag)

    def upto(self, tag: str) -> Markup:
        """Return every pending element whose tag sorts before ``tag``."""
        cut = 0
        while cut < len(self._pending) and self._pending[cut].tag < tag:
            cut += 1
        done, self._pending = self._pending[:cut], self._pending[cut:]
        return Markup("".join(_node_xml(n, 1) for n in done))  # noqa: S704 (escaped below)

    def rest(self) -> Markup:
        """Return every element not emitted yet."""
        done, self._pending = self._pending, []
        return Markup("".join(_node_xml(n, 1) for n in done))  # noqa: S704 (escaped below)


def _node_xml(node: Node, depth: int) -> str:
    pad = "    " * depth
    if node.children:
        inner = "".join(_node_xml(c, depth + 1) for c in node.children)
        return f"{pad}<{node.tag}>\n{inner}{pad}</{node.tag}>\n"
    if not node.text:
        return f"{pad}<{node.tag}/>\n"
    return f"{pad}<{node.tag}>{escape_text(node.text)}</{node.tag}>\n"


def normalized(component: Component) -> Component:
    """Return ``component`` with every entry list sorted by its key."""
    if not isinstance(component, PermissionContainer):
        return dataclasses.replace(
            component,
            permission_sets=tuple(sorted(component.permission_sets)),
            muting_permission_sets=tuple(sorted(component.muting_permission_sets)),
        )
    return dataclasses.replace(component, **sorted_entry_lists(component))


def component_xml(
    component: Component,
    *,
    api_version: str,
    template_dir: Path | None = None,
    variables: Mapping[str, str] | None = None,
) -> bytes:
    """Render one component to the XML bytes Salesforce expects."""
    name = TEMPLATE_OF[component.kind]
    context = {
        "c": normalized(component),
        "x": ExtrasCursor(component.extras),
        "api_version": api_version,
        "vars": dict(variables or {}),
    }
    return _render(name, template_dir, context, what=f"{component.kind} {component.name!r}")


def package_xml(
    types: Mapping[str, Iterable[str]],
    *,
    api_version: str | None,
    template_dir: Path | None = None,
) -> bytes:
    """Render a package.xml (or destructiveChanges.xml when ``api_version`` is None)."""
    rows = [(t, sorted(set(types[t]))) for t in sorted(types) if types[t]]
    context = {"types": rows, "api_version": api_version}
    return _render(PACKAGE_TEMPLATE, template_dir, context, what="package.xml")


def _render(
    name: str, template_dir: Path | None, context: Mapping[str, Any], *, what: str
) -> bytes:
    try:
        text = _template(name, template_dir).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename}:{exc.lineno}: template error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template {name} failed for {what}: {exc.message}") from None
    except jinja2.TemplateNotFound:
        raise RenderError(f"template {name} not found") from None
    except SecurityError as exc:
        raise RenderError(
            f"template {name} failed for {what}: {exc} (project templates run in a sandbox)"
        ) from None
    return text.encode("utf-8")


def render_files(
    bundle: Bundle,
    *,
    layout: Layout,
    template_dir: Path | None = None,
    variables: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """Return every output file as ``{relative path: bytes}`` for ``layout``."""
    files: dict[str, bytes] = {}
    for component in sorted(bundle.components, key=lambda c: (c.kind, c.name)):
        data = component_xml(
            component,
            api_version=bundle.api_version,
            template_dir=template_dir,
            variables=variables,
        )
        if layout is Layout.SOURCE:
            files["force-app/main/default/" + names.source_path(component.kind, component.name)] = (
                data
            )
        else:
            files[names.mdapi_path(component.kind, component.name)] = data
    if layout is Layout.MDAPI:
        files.update(manifest_files(bundle, template_dir=template_dir))
    else:
        files["sfdx-project.json"] = sfdx_project(bundle.api_version)
    return files


def manifest_files(bundle: Bundle, *, template_dir: Path | None = None) -> dict[str, bytes]:
    """Return ``package.xml`` and, when something is to be deleted, ``destructiveChanges.xml``."""
    members: dict[str, list[str]] = {}
    for component in bundle.components:
        members.setdefault(component.kind.value, []).append(component.name)
    files = {
        "package.xml": package_xml(
            members, api_version=bundle.api_version, template_dir=template_dir
        )
    }
    if bundle.deletions:
        doomed: dict[str, list[str]] = {}
        for kind, name in bundle.deletions:
            doomed.setdefault(kind.value, []).append(name)
        files["destructiveChanges.xml"] = package_xml(
            doomed, api_version=None, template_dir=template_dir
        )
    return files


def sfdx_project(api_version: str) -> bytes:
    """Return a minimal ``sfdx-project.json`` for the source layout."""
    doc = {
        "packageDirectories": [{"path": "force-app", "default": True}],
        "sourceApiVersion": api_version,
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def write_tree(files: Mapping[str, bytes], out_dir: Path) -> None:
    """Write ``files`` under ``out_dir`` atomically: a half-done write never replaces it, and
    the folder is swapped in one step where the OS allows (``render.output``)."""
    if _foreign(out_dir):
        raise ConfigError(
            f"{out_dir}: exists and was not written by apionly-deploy; "
            "choose another --out or empty it"
        )
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        output.remove_leftovers(out_dir)
        with output.staging_folder(out_dir) as staging:
            for rel, data in files.items():
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            (staging / _MARKER).write_text("rendered by apionly-deploy; replaced on every render\n")
            output.swap_in(staging, out_dir)
    except OSError as exc:
        raise ConfigError(f"{out_dir}: cannot write the render ({exc.strerror})") from None


def _foreign(out_dir: Path) -> bool:
    """Return True when ``out_dir`` holds files and not our marker.

    A concurrent render may swap the folder out and empty it while it is listed: a listing
    counts only when the path still names the folder listed.
    """
    for _ in range(100):
        try:
            fd = os.open(out_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ConfigError(f"{out_dir}: cannot write the render ({exc.strerror})") from None
        try:
            entries = os.listdir(fd)
            if os.path.samestat(os.fstat(fd), os.stat(out_dir)):
                return bool(entries) and _MARKER not in entries
        except FileNotFoundError:
            pass
        finally:
            os.close(fd)
    return False
