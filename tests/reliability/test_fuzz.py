"""Property tests: the parser and the project loader never crash, and render is a fixed point."""

from __future__ import annotations

import contextlib
import string
import tempfile
import tomllib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from apionly_deploy.errors import ApionlyError
from apionly_deploy.model.components import (
    Access,
    FieldPermission,
    Kind,
    ObjectPermission,
    PermissionContainer,
    UserPermission,
)
from apionly_deploy.model.parse import parse_component_bytes
from apionly_deploy.project.config import load_project
from apionly_deploy.project.declarations import build_bundle
from apionly_deploy.render.templates import component_xml

NS = "http://soap.sforce.com/2006/04/metadata"
TAGS = [
    "userPermissions",
    "objectPermissions",
    "fieldPermissions",
    "label",
    "description",
    "name",
    "enabled",
    "object",
    "allowRead",
    "field",
    "readable",
    "loginIpRanges",
    "x",
]
FAST = settings(max_examples=150, deadline=None)


def _xml_tree(depth: int = 0) -> st.SearchStrategy[str]:
    text = st.text(alphabet=string.printable + "éü&<>\"'", max_size=20)
    leaf = st.builds(lambda t, v: f"<{t}>{v}</{t}>", st.sampled_from(TAGS), text)
    if depth >= 2:
        return leaf
    node = st.builds(
        lambda t, kids: f"<{t}>{''.join(kids)}</{t}>",
        st.sampled_from(TAGS),
        st.lists(_xml_tree(depth + 1), max_size=4),
    )
    return st.one_of(leaf, node)


@FAST
@given(
    body=st.lists(_xml_tree(), max_size=6),
    root=st.sampled_from(["PermissionSet", "Profile", "Foo"]),
)
def test_parser_never_raises_anything_but_apionly_errors(body: list[str], root: str) -> None:
    """Any well- or ill-formed input gives a model or an ApionlyError, never a traceback."""
    doc = f'<{root} xmlns="{NS}">{"".join(body)}</{root}>'.encode()
    with contextlib.suppress(ApionlyError):
        parse_component_bytes(doc, name="Fuzz")


@FAST
@given(data=st.binary(max_size=300))
def test_parser_survives_random_bytes(data: bytes) -> None:
    """Random bytes are an XmlError at worst."""
    with contextlib.suppress(ApionlyError):
        parse_component_bytes(data, name="Fuzz")


names = st.from_regex(r"[A-Z][A-Za-z0-9]{0,12}", fullmatch=True)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@FAST
@given(
    label=texts,
    description=st.none() | texts,
    perms=st.lists(
        st.builds(UserPermission, names, st.booleans()), max_size=5, unique_by=lambda p: p.name
    ),
    objects=st.lists(
        st.builds(ObjectPermission, names, *[st.booleans()] * 6),
        max_size=4,
        unique_by=lambda o: o.object,
    ),
    fields=st.lists(
        st.builds(
            FieldPermission,
            st.builds(lambda a, b: f"{a}.{b}", names, names),
            st.booleans(),
            st.booleans(),
        ),
        max_size=4,
        unique_by=lambda f: f.field,
    ),
    classes=st.lists(
        st.builds(Access, names, st.booleans()), max_size=3, unique_by=lambda a: a.name
    ),
)
def test_render_parse_render_is_a_fixed_point(
    label: str,
    description: str | None,
    perms: list[UserPermission],
    objects: list[ObjectPermission],
    fields: list[FieldPermission],
    classes: list[Access],
) -> None:
    """Whatever the model holds survives a trip through XML unchanged."""
    ps = PermissionContainer(
        kind=Kind.PERMISSION_SET,
        name="Fuzz",
        label=label.strip(),
        description=None if description is None else description.strip(),
        user_permissions=tuple(perms),
        object_permissions=tuple(objects),
        field_permissions=tuple(fields),
        class_accesses=tuple(classes),
    )
    first = component_xml(ps, api_version="62.0")
    second = component_xml(parse_component_bytes(first, name="Fuzz"), api_version="62.0")
    assert first == second


toml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.floats(allow_nan=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _toml_literal(value: object) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    assert isinstance(value, dict)
    return (
        "{" + ", ".join(f"{_toml_literal(k)} = {_toml_literal(v)}" for k, v in value.items()) + "}"
    )


KEYS = [
    "label",
    "description",
    "license",
    "api_only",
    "user_permissions",
    "objects",
    "fields",
    "apex_classes",
    "pages",
    "custom_permissions",
    "tabs",
    "record_types",
    "activation_required",
    "user_license",
    "login_ip_ranges",
    "login_hours",
    "custom",
    "permission_sets",
    "bogus",
]


@FAST
@given(
    table=st.sampled_from(
        ["permission_sets.Fuzz", 'profiles."Fuzz P"', "permission_set_groups.Fuzz"]
    ),
    key=st.sampled_from(KEYS),
    value=toml_values,
)
def test_project_loader_gives_a_model_or_one_config_error(
    table: str, key: str, value: object
) -> None:
    """A wrong type at any key is a ConfigError (exit 3), never a traceback."""
    text = f"[{table}]\n{key} = {_toml_literal(value)}\n"
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # not TOML at all: covered by the loader's own TOML error
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "apionly.toml").write_text(text)
        try:
            build_bundle(load_project(root))
        except ApionlyError as err:
            assert err.exit_code == 3
            assert "\n" not in str(err)
