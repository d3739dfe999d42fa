"""Risk rules: each built-in rule fires where it should, and rule files are checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apionly_deploy.errors import ConfigError
from apionly_deploy.model.components import Kind
from apionly_deploy.review.diff import Action, Category, Change, ProjectFile, Risk
from apionly_deploy.review.risk import assess, default_rules, highest, load_rules, parse_rules, rate

PS, PROFILE = Kind.PERMISSION_SET, Kind.PROFILE


def change(
    category: Category, key: str, action: Action, *, kind: Kind = PS, **kw: object
) -> Change:
    return Change(kind, "X", category, key, action, **kw)  # type: ignore[arg-type]


UP, OBJ, FIELD = Category.USER_PERMISSION, Category.OBJECT, Category.FIELD

# (change, rule id, risk): one row per built-in rule at least.
CASES = [
    (change(UP, "ModifyAllData", Action.GRANT), "grant-modify-all-data", Risk.HIGH),
    (change(UP, "ViewAllData", Action.GRANT), "grant-view-all-data", Risk.HIGH),
    (change(UP, "ManageUsers", Action.GRANT, kind=PROFILE), "grant-manage-users", Risk.HIGH),
    (change(UP, "AuthorApex", Action.GRANT), "grant-author-apex", Risk.HIGH),
    (change(UP, "CustomizeApplication", Action.GRANT), "grant-customize-application", Risk.HIGH),
    (change(UP, "ApiUserOnly", Action.REVOKE, kind=PROFILE), "remove-api-user-only", Risk.HIGH),
    (change(UP, "ApiUserOnly", Action.REVOKE), "remove-api-user-only", Risk.HIGH),
    (
        change(OBJ, "Account", Action.GRANT, granted=("modifyAll",)),
        "grant-modify-all-records",
        Risk.HIGH,
    ),
    (
        change(OBJ, "Account", Action.CHANGE, granted=("modifyAll",), revoked=("delete",)),
        "grant-modify-all-records",
        Risk.HIGH,
    ),
    (
        change(Category.LOGIN_IP_RANGE, "1.0.0.0-1.0.0.9", Action.WIDEN, kind=PROFILE),
        "widen-login-ip-ranges",
        Risk.HIGH,
    ),
    (change(Category.LICENSE, "license", Action.CHANGE), "change-license", Risk.HIGH),
    *(
        (
            Change(ProjectFile.TEMPLATE, "templates", Category.TEMPLATE, "profile.xml.j2", a),
            "change-template",
            Risk.HIGH,
        )
        for a in (Action.ADD, Action.CHANGE, Action.REMOVE)
    ),
    (
        change(Category.EXTERNAL_CREDENTIAL_PRINCIPAL, "Erp-Integration", Action.REVOKE),
        "revoke-external-credential-principal",
        Risk.HIGH,
    ),
    (
        change(Category.EXTERNAL_CREDENTIAL_PRINCIPAL, "Erp-Integration", Action.GRANT),
        "grant-external-access",
        Risk.MEDIUM,
    ),
    (
        change(Category.EXTERNAL_DATA_SOURCE, "Archive", Action.GRANT),
        "grant-external-access",
        Risk.MEDIUM,
    ),
    (
        change(Category.FLOW, "Erp_Sync", Action.REVOKE),
        "revoke-integration-runtime-access",
        Risk.MEDIUM,
    ),
    (
        change(Category.APEX_CLASS, "ErpApi", Action.REVOKE),
        "revoke-integration-runtime-access",
        Risk.MEDIUM,
    ),
    (
        change(Category.CUSTOM_METADATA_TYPE, "Erp__mdt", Action.REVOKE),
        "revoke-integration-runtime-access",
        Risk.MEDIUM,
    ),
    (
        change(Category.LICENSE, "userLicense", Action.CHANGE, kind=PROFILE),
        "change-license",
        Risk.HIGH,
    ),
    (change(UP, "ApiUserOnly", Action.GRANT), "grant-api-user-only", Risk.LOW),
    (
        change(Category.GROUP_MUTING, "M", Action.GRANT, kind=Kind.PERMISSION_SET_GROUP),
        "unmute-in-group",
        Risk.MEDIUM,
    ),
    (
        change(Category.GROUP_MEMBERSHIP, "S", Action.GRANT, kind=Kind.PERMISSION_SET_GROUP),
        "add-set-to-group",
        Risk.MEDIUM,
    ),
    (
        change(OBJ, "Account", Action.GRANT, granted=("read", "viewAll")),
        "grant-view-all-records",
        Risk.MEDIUM,
    ),
    (
        change(OBJ, "Account", Action.GRANT, granted=("viewAllFields",)),
        "grant-view-all-records",
        Risk.MEDIUM,
    ),
    (change(UP, "RunReports", Action.GRANT), "grant-user-permission", Risk.MEDIUM),
    (change(OBJ, "Account", Action.GRANT, granted=("create",)), "grant-object-write", Risk.MEDIUM),
    (
        change(FIELD, "Account.Phone", Action.GRANT, granted=("read", "edit")),
        "grant-field-edit",
        Risk.MEDIUM,
    ),
    (change(Category.APEX_CLASS, "C", Action.GRANT), "grant-apex-class", Risk.MEDIUM),
    (change(Category.CUSTOM_PERMISSION, "P", Action.GRANT), "grant-custom-permission", Risk.MEDIUM),
    (change(UP, "ModifyAllData", Action.STAYS, kind=PROFILE), "profile-entry-stays", Risk.MEDIUM),
    (
        change(Category.LICENSE, "userLicense", Action.STAYS, kind=PROFILE),
        "profile-entry-stays",
        Risk.MEDIUM,
    ),
    (
        change(Category.LOGIN_HOURS, "monday", Action.WIDEN, kind=PROFILE),
        "widen-login-hours",
        Risk.MEDIUM,
    ),
    (
        change(Category.LOGIN_HOURS, "monday", Action.CHANGE, kind=PROFILE),
        "widen-login-hours",
        Risk.MEDIUM,
    ),
    (change(Category.COMPONENT, "X", Action.REMOVE), "component-left-in-org", Risk.MEDIUM),
    (change(OBJ, "Account", Action.GRANT, granted=("read",)), "grant-object-read", Risk.LOW),
    (change(FIELD, "Account.Phone", Action.GRANT, granted=("read",)), "grant-field-read", Risk.LOW),
    (change(Category.LICENSE, "license", Action.ADD), "license-of-new-component", Risk.LOW),
    (change(Category.COMPONENT, "X", Action.ADD), "new-component", Risk.LOW),
    (change(Category.PAGE, "P", Action.GRANT), "grant-other-access", Risk.LOW),
    (change(Category.TAB, "standard-Account", Action.GRANT), "grant-other-access", Risk.LOW),
    (change(Category.OTHER, "layoutAssignments: L", Action.ADD), "grant-other-access", Risk.LOW),
    (change(UP, "ModifyAllData", Action.REVOKE), "reduce-access", Risk.LOW),
    (
        change(Category.LOGIN_IP_RANGE, "1.0.0.0-1.0.0.9", Action.NARROW, kind=PROFILE),
        "reduce-access",
        Risk.LOW,
    ),
    (change(Category.SETTING, "label", Action.CHANGE), "other-change", Risk.LOW),
    (
        change(Category.LOGIN_IP_RANGE, "1.0.0.0-1.0.0.9", Action.CHANGE, kind=PROFILE),
        "other-change",
        Risk.LOW,
    ),
]


@pytest.mark.parametrize(
    ("given", "rule_id", "risk"), CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)]
)
def test_built_in_rule(given: Change, rule_id: str, risk: Risk) -> None:
    rated = rate(given, default_rules())
    assert (rated.rule, rated.risk) == (rule_id, risk)
    assert rated.reason


def test_every_built_in_rule_has_a_case() -> None:
    assert {rule.id for rule in default_rules()} == {rule_id for _, rule_id, _ in CASES}


def test_reason_placeholders_are_filled() -> None:
    rules = parse_rules({"rules": [{"risk": "low", "reason": "{component}: {key}"}]}, source="t")
    assert rate(change(UP, "ViewSetup", Action.GRANT), rules).reason == "X: ViewSetup"


def test_assess_and_highest() -> None:
    rated = assess(
        [change(UP, "RunReports", Action.GRANT), change(UP, "ModifyAllData", Action.GRANT)]
    )
    assert [c.risk for c in rated] == [Risk.MEDIUM, Risk.HIGH]
    assert highest(rated) is Risk.HIGH
    assert highest([]) is None


def test_custom_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    rules = {
        "rules": [
            {
                "id": "tabs",
                "risk": "high",
                "category": "tab",
                "kind": "Profile",
                "revoked": ["visible"],
                "reason": "r",
            },
            {"id": "rest", "risk": "low", "reason": "fine"},
        ]
    }
    path.write_text(json.dumps(rules))
    loaded = load_rules(path)
    hit = change(Category.TAB, "t", Action.REVOKE, kind=PROFILE, revoked=("visible",))
    assert rate(hit, loaded).rule == "tabs"
    assert (
        rate(change(Category.TAB, "t", Action.REVOKE, revoked=("visible",)), loaded).rule == "rest"
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"rules": []}, 'expected an object with a non-empty "rules" list'),
        ([], 'expected an object with a non-empty "rules" list'),
        ({"rules": ["x"]}, "rule 1: expected an object"),
        ({"rules": [{"risk": "low"}]}, "rule 1: missing 'reason'"),
        ({"rules": [{"risk": "severe", "reason": "r"}]}, "rule 1: 'severe' is not a valid Risk"),
        (
            {"rules": [{"risk": "low", "reason": "r", "colour": "red"}]},
            "rule 1: unknown field(s) colour",
        ),
        (
            {"rules": [{"risk": "low", "reason": "r", "category": "flows"}]},
            "rule 1: 'flows' is not a valid Category",
        ),
        (
            {"rules": [{"risk": "low", "reason": "r", "key": [1]}]},
            "rule 1: 'key' must be a string or a list of strings",
        ),
        (
            {"rules": [{"risk": "low", "reason": "r", "action": "grant"}]},
            "the last rule must match everything",
        ),
    ],
)
def test_bad_rules_are_config_errors(document: object, message: str) -> None:
    with pytest.raises(ConfigError, match=r"^t: ") as raised:
        parse_rules(document, source="t")
    assert message in str(raised.value)


def test_unreadable_and_invalid_rule_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read risk rules"):
        load_rules(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_rules(bad)


def test_docs_list_every_rule_as_in_the_data_file() -> None:
    """The README's risk rules table matches risk-rules.json, rule by rule and in order."""
    docs = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    rows = [line for line in docs.splitlines() if line.startswith("| `")]
    listed = [
        (row.split("|")[1].strip(" `"), row.split("|")[2].strip()) for row in rows if "` |" in row
    ]
    assert listed[-len(default_rules()) :] == [(r.id, r.risk.value) for r in default_rules()]
