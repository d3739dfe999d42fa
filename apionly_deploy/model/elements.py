"""The permission elements the model keeps as untyped ``Node``s, and how each is keyed.

Apps, flows, custom metadata types, layouts and the rest: Salesforce adds such elements with
most releases, so the model keeps them as the XML holds them (``Node``) and this one table
says, for each, its short project-file key, its form there, the children that identify an
entry, and which component kinds carry it. The project file, the diff, the checks and the
local org all read it. An element missing from the table is still kept, verbatim, under the
project file's ``other`` key.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from apionly_deploy.model.components import Kind


class Form(Enum):
    """How an element's entries read in the project file."""

    #: ``flows = ["A"]`` or ``{ A = true, B = false }``: a name and ``enabled``.
    ACCESS = "access"
    #: ``apps = { X = "visible" }``, ``["visible", "default"]`` or ``"hidden"``.
    APP = "app"
    #: ``layouts = { "Account-Account Layout" = ["Account", "Account.Partner"] }``: where each
    #: layout is assigned, its object (no record type) or record types.
    LAYOUT = "layout"
    #: ``login_flows = [{ flow = "X", flowType = "UI", ... }]``: children by their XML names.
    RECORD = "record"


_SETS = frozenset({Kind.PERMISSION_SET, Kind.MUTING_PERMISSION_SET})
_PROFILES = frozenset({Kind.PROFILE})
_BOTH = _SETS | _PROFILES


@dataclass(frozen=True, slots=True)
class Element:
    """One untyped permission element."""

    tag: str
    #: The project-file key, and the diff category (its singular, e.g. ``flow``).
    key: str
    category: str
    form: Form
    #: The children that identify an entry (Salesforce's key for it).
    identity: tuple[str, ...]
    kinds: frozenset[Kind]
    #: Whether its true/false children are access (``enabled``, ``visible``...) or settings of
    #: an entry whose presence is what counts (a login flow's ``useLightningRuntime``).
    access_flags: bool = True
    #: Whether Salesforce keys its entries by ``identity`` (a profile deploy patches them one
    #: by one; a repeat is a duplicate) or takes them as a whole (login flows).
    keyed: bool = True

    @property
    def name_child(self) -> str:
        """Return the child that names an ACCESS or APP entry."""
        return self.identity[0]


ELEMENTS: tuple[Element, ...] = (
    Element("agentAccesses", "agents", "agent", Form.ACCESS, ("agentName",), _BOTH),
    Element("applicationVisibilities", "apps", "app", Form.APP, ("application",), _BOTH),
    Element(
        "categoryGroupVisibilities",
        "category_groups",
        "category_group",
        Form.RECORD,
        ("dataCategoryGroup",),
        _PROFILES,
        access_flags=False,
    ),
    Element(
        "customMetadataTypeAccesses",
        "custom_metadata_types",
        "custom_metadata_type",
        Form.ACCESS,
        ("name",),
        _BOTH,
    ),
    Element(
        "customSettingAccesses", "custom_settings", "custom_setting", Form.ACCESS, ("name",), _BOTH
    ),
    Element(
        "dataspaceScopes",
        "dataspace_scopes",
        "dataspace_scope",
        Form.RECORD,
        ("dataspaceScope",),
        _SETS,
    ),
    Element(
        "emailRoutingAddressAccesses",
        "email_routing_addresses",
        "email_routing_address",
        Form.ACCESS,
        ("name",),
        _SETS,
    ),
    Element(
        "externalCredentialPrincipalAccesses",
        "external_credential_principals",
        "external_credential_principal",
        Form.ACCESS,
        ("externalCredentialPrincipal",),
        _SETS,
    ),
    Element(
        "externalDataSourceAccesses",
        "external_data_sources",
        "external_data_source",
        Form.ACCESS,
        ("externalDataSource",),
        _BOTH,
    ),
    Element("flowAccesses", "flows", "flow", Form.ACCESS, ("flow",), _BOTH),
    Element(
        "genComputingSummaryDefAccesses",
        "computing_summaries",
        "computing_summary",
        Form.ACCESS,
        ("configName",),
        _BOTH,
    ),
    Element(
        "layoutAssignments", "layouts", "layout", Form.LAYOUT, ("layout", "recordType"), _PROFILES
    ),
    Element(
        "loginFlows",
        "login_flows",
        "login_flow",
        Form.RECORD,
        ("flow", "vfFlowPage", "uiLoginFlowType"),
        _PROFILES,
        access_flags=False,
        keyed=False,
    ),
    Element(
        "profileActionOverrides",
        "action_overrides",
        "action_override",
        Form.RECORD,
        ("actionName", "pageOrSobjectType", "recordType", "formFactor"),
        _PROFILES,
        access_flags=False,
    ),
    Element(
        "servicePresenceStatusAccesses",
        "service_presence_statuses",
        "service_presence_status",
        Form.ACCESS,
        ("servicePresenceStatus",),
        _BOTH,
    ),
)

BY_TAG: dict[str, Element] = {element.tag: element for element in ELEMENTS}
BY_KEY: dict[str, Element] = {element.key: element for element in ELEMENTS}

#: The project-file key for elements the table does not know (a newer API version's).
OTHER_KEY = "other"


def keys_for(kind: Kind) -> tuple[str, ...]:
    """Return the project-file keys of the elements ``kind`` carries, in table order."""
    return tuple(element.key for element in ELEMENTS if kind in element.kinds)
