"""One permission model for Profiles, Permission Sets, Muting Permission Sets and Groups.

Rendering fills it, the parser (``apionly_deploy.model.parse``) reads it back from any XML, and
validation, diff and the local org all work on it. Entries carry the line they came from
(``line``, ignored by equality) so findings can point into the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """The metadata types the tool handles, named as the Metadata API names them."""

    PROFILE = "Profile"
    PERMISSION_SET = "PermissionSet"
    MUTING_PERMISSION_SET = "MutingPermissionSet"
    PERMISSION_SET_GROUP = "PermissionSetGroup"

    @property
    def folder(self) -> str:
        """Return the mdapi / source folder name (``profiles``, ``permissionsets``...)."""
        return _FOLDERS[self]

    @property
    def suffix(self) -> str:
        """Return the mdapi file suffix (``profile``, ``permissionset``...)."""
        return _FOLDERS[self][:-1]


_FOLDERS = {
    Kind.PROFILE: "profiles",
    Kind.PERMISSION_SET: "permissionsets",
    Kind.MUTING_PERMISSION_SET: "mutingpermissionsets",
    Kind.PERMISSION_SET_GROUP: "permissionsetgroups",
}

#: The user permission that keeps an account out of the UI, and the one it needs.
API_USER_ONLY = "ApiUserOnly"
API_ENABLED = "ApiEnabled"

OBJECT_FLAGS = ("read", "create", "edit", "delete", "view_all", "modify_all")


def _line() -> int:
    """Return a ``line`` field: where the entry came from, ignored by equality."""
    return field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class UserPermission:
    name: str
    enabled: bool = True
    line: int = _line()


@dataclass(frozen=True, slots=True)
class ObjectPermission:
    object: str
    read: bool = False
    create: bool = False
    edit: bool = False
    delete: bool = False
    view_all: bool = False
    modify_all: bool = False
    #: ``viewAllFields`` exists from API 63.0 on; None when the file does not say.
    view_all_fields: bool | None = None
    #: Setup-object flags (``customizeSetup``, ``deleteSetup``, ``viewSetup``); None: not said.
    customize_setup: bool | None = None
    delete_setup: bool | None = None
    view_setup: bool | None = None
    line: int = _line()

    def granted(self) -> tuple[str, ...]:
        """Return the names of the flags that are on, in OBJECT_FLAGS order."""
        return tuple(flag for flag in OBJECT_FLAGS if getattr(self, flag))


@dataclass(frozen=True, slots=True)
class FieldPermission:
    field: str
    readable: bool = False
    editable: bool = False
    line: int = _line()


@dataclass(frozen=True, slots=True)
class Access:
    """A named on/off access: Apex class, Visualforce page or custom permission."""

    name: str
    enabled: bool = True
    line: int = _line()


@dataclass(frozen=True, slots=True)
class TabSetting:
    """Tab visibility: ``Available``/``Visible``/``None`` on a permission set,
    ``DefaultOn``/``DefaultOff``/``Hidden`` on a profile."""

    tab: str
    visibility: str
    line: int = _line()


@dataclass(frozen=True, slots=True)
class RecordTypeVisibility:
    record_type: str
    visible: bool = True
    default: bool | None = None
    person_account_default: bool | None = None
    line: int = _line()


@dataclass(frozen=True, slots=True)
class LoginIpRange:
    start: str
    end: str
    description: str | None = None
    line: int = _line()


@dataclass(frozen=True, slots=True)
class LoginHours:
    """Login hours as the XML holds them: ``(("mondayStart", "480"), ...)`` in minutes."""

    hours: tuple[tuple[str, str], ...] = ()
    line: int = _line()


@dataclass(frozen=True, slots=True)
class Node:
    """Any other element, kept as it is so nothing is lost on a round trip."""

    tag: str
    text: str | None = None
    children: tuple[Node, ...] = ()
    line: int = _line()


@dataclass(frozen=True, slots=True)
class PermissionContainer:
    """A Profile, PermissionSet or MutingPermissionSet."""

    kind: Kind
    name: str
    label: str | None = None
    description: str | None = None
    #: PermissionSet: the permission set license or user license it is tied to.
    license: str | None = None
    #: Profile: the user license.
    user_license: str | None = None
    custom: bool | None = None
    has_activation_required: bool | None = None
    user_permissions: tuple[UserPermission, ...] = ()
    object_permissions: tuple[ObjectPermission, ...] = ()
    field_permissions: tuple[FieldPermission, ...] = ()
    class_accesses: tuple[Access, ...] = ()
    page_accesses: tuple[Access, ...] = ()
    custom_permissions: tuple[Access, ...] = ()
    tabs: tuple[TabSetting, ...] = ()
    record_types: tuple[RecordTypeVisibility, ...] = ()
    login_ip_ranges: tuple[LoginIpRange, ...] = ()
    login_hours: LoginHours | None = None
    #: Elements the model does not type (layouts, flows, apps, newer API elements...).
    extras: tuple[Node, ...] = ()
    source: str | None = field(default=None, compare=False)

    def enabled_user_permissions(self) -> frozenset[str]:
        """Return the names of the user permissions this container turns on."""
        return frozenset(p.name for p in self.user_permissions if p.enabled)

    @property
    def api_only(self) -> bool:
        """Return True when this container grants API Only User."""
        return API_USER_ONLY in self.enabled_user_permissions()


@dataclass(frozen=True, slots=True)
class PermissionSetGroup:
    name: str
    label: str | None = None
    description: str | None = None
    has_activation_required: bool | None = None
    permission_sets: tuple[str, ...] = ()
    muting_permission_sets: tuple[str, ...] = ()
    status: str | None = None
    extras: tuple[Node, ...] = ()
    source: str | None = field(default=None, compare=False)

    kind = Kind.PERMISSION_SET_GROUP


Component = PermissionContainer | PermissionSetGroup


@dataclass(frozen=True, slots=True)
class Bundle:
    """Everything one render produces: the components and what to delete."""

    api_version: str
    components: tuple[Component, ...] = ()
    deletions: tuple[tuple[Kind, str], ...] = ()

    def of_kind(self, kind: Kind) -> tuple[Component, ...]:
        """Return the components of one kind, in name order."""
        return tuple(sorted((c for c in self.components if c.kind is kind), key=_name))


def _name(component: Component) -> str:
    return component.name
