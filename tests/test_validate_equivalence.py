"""The XML fast path and the model path give the same findings for the same content."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validate_support import cls, document, field, obj, user

from apionly_deploy.check.validate import validate_bytes, validate_components
from apionly_deploy.model.parse import parse_component_bytes

ROOTS = {
    "PermissionSet": "S.permissionset-meta.xml",
    "Profile": "S.profile-meta.xml",
    "MutingPermissionSet": "S.mutingpermissionset-meta.xml",
}
PERMISSIONS = [
    "ApiEnabled",
    "ApiUserOnly",
    "ModifyAllData",
    "ViewAllData",
    "AuthorApex",
    "ManageUsers",
    "CreateMultiforce",
    "ManageUserRoles",
    "ViewSetup",
    "ApiEnabeld",
]
NAMES = st.sampled_from(["A.x", "A.y", " A.x ", "B.z"])
FLAGS = ("read", "create", "edit", "delete", "view_all", "modify_all")

entries = st.lists(
    st.one_of(
        st.builds(field, NAMES, st.booleans(), st.booleans()),
        st.builds(cls, st.sampled_from(["C1", "C2"]), st.booleans()),
        st.builds(user, st.sampled_from(PERMISSIONS), st.booleans()),
        st.builds(
            lambda name, flags: obj(name, *flags),
            st.sampled_from(["Account", "Thing__c"]),
            st.sets(st.sampled_from(FLAGS)),
        ),
    ),
    max_size=12,
)


#: Every way a valid xsd:boolean may be written: both paths must read each one alike.
SPELLINGS = {
    "true": ["true", "1", " true ", "  1", "tr<!-- a hand edit -->ue", "<![CDATA[true]]>"],
    "false": ["false", "0", " false ", "\t0", "fal<!-- x -->se", "<![CDATA[false]]>"],
}
_FLAG = re.compile(r">(true|false)<")


def respell(data: bytes, draw: st.DataObject) -> bytes:
    """Write each boolean of ``data`` in a spelling drawn from SPELLINGS."""
    text = data.decode()
    return _FLAG.sub(
        lambda m: f">{draw.draw(st.sampled_from(SPELLINGS[m.group(1)]))}<", text
    ).encode()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(root=st.sampled_from(sorted(ROOTS)), items=entries, draw=st.data())
def test_xml_and_model_paths_agree(root, items, draw):
    plain = document(root, *items)
    data = respell(plain, draw)
    source = ROOTS[root]
    from_xml = validate_bytes(data, source=source, api_version="62.0")
    component = parse_component_bytes(data, name="S", source=source)
    from_model = validate_components([component], api_version="62.0")

    def key(findings):
        return sorted((f.rule, f.line or 2, f.severity, f.message) for f in findings)

    assert key(from_xml) == key(from_model)
    # A spelling changes no answer: the plain document gives the same findings.
    from_plain = validate_bytes(plain, source=source, api_version="62.0")
    assert key(from_xml) == key(from_plain)
    assert parse_component_bytes(plain, name="S", source=source) == component
