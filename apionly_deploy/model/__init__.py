"""The permission model at the bottom of the tool: components, the hardened XML reader, the
parser, names and deploy semantics (merge). It imports nothing above it.

The component classes are re-exported here (``from apionly_deploy.model import Profile``...).
"""

from apionly_deploy.model.components import (
    API_ENABLED,
    API_USER_ONLY,
    OBJECT_FLAGS,
    Access,
    Bundle,
    Component,
    FieldPermission,
    Kind,
    LoginHours,
    LoginIpRange,
    Node,
    ObjectPermission,
    PermissionContainer,
    PermissionSetGroup,
    RecordTypeVisibility,
    TabSetting,
    UserPermission,
)

__all__ = [
    "API_ENABLED",
    "API_USER_ONLY",
    "OBJECT_FLAGS",
    "Access",
    "Bundle",
    "Component",
    "FieldPermission",
    "Kind",
    "LoginHours",
    "LoginIpRange",
    "Node",
    "ObjectPermission",
    "PermissionContainer",
    "PermissionSetGroup",
    "RecordTypeVisibility",
    "TabSetting",
    "UserPermission",
]
