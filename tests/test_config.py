"""The project file: per-org values, interpolation, and one precise error per bad input."""

from __future__ import annotations

import textwrap
import unicodedata
from pathlib import Path

import pytest

from apionly_deploy.errors import ConfigError, ExitCode
from apionly_deploy.model.components import API_ENABLED, API_USER_ONLY, Kind, PermissionContainer
from apionly_deploy.model.names import component_name
from apionly_deploy.project.config import load_project, locate
from apionly_deploy.project.declarations import build_bundle

VALID = """\
[project]
api_version = "62.0"

[vars]
env = "Prod"

[orgs.uat.vars]
env = "UAT"

[permission_sets.Sync]
label = "Sync (${env})"
api_only = true
objects = { Account = ["read", "edit"], Case = "all" }
fields = { "Account.Industry" = "read", "Account.Phone" = "edit" }
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "apionly.toml").write_text(textwrap.dedent(text))
    return tmp_path


def bundle_of(tmp_path: Path, text: str, org: str | None = None) -> list[PermissionContainer]:
    project = load_project(write(tmp_path, text), org=org)
    return [c for c in build_bundle(project).components if isinstance(c, PermissionContainer)]


def error_of(tmp_path: Path, text: str, org: str | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        bundle_of(tmp_path, text, org)
    assert caught.value.exit_code == ExitCode.CONFIG
    return str(caught.value).replace(str(tmp_path), "DIR")


def test_api_only_grants_api_user_only_and_api_enabled(tmp_path: Path) -> None:
    """`api_only = true` is the one switch an admin needs: both permissions are on."""
    (ps,) = bundle_of(tmp_path, VALID)
    assert ps.enabled_user_permissions() == {API_USER_ONLY, API_ENABLED}


def test_object_and_field_words_map_to_flags(tmp_path: Path) -> None:
    """read/edit/all words become Salesforce's object and field flags."""
    (ps,) = bundle_of(tmp_path, VALID)
    account, case = ps.object_permissions
    assert account.granted() == ("read", "edit")
    assert case.granted() == ("read", "create", "edit", "delete", "view_all", "modify_all")
    industry, phone = ps.field_permissions
    assert (industry.readable, industry.editable) == (True, False)
    assert (phone.readable, phone.editable) == (True, True)


def test_vars_are_overridden_per_org(tmp_path: Path) -> None:
    """[orgs.NAME.vars] overlays [vars] when that org is chosen."""
    assert bundle_of(tmp_path, VALID)[0].label == "Sync (Prod)"
    assert bundle_of(tmp_path, VALID, org="uat")[0].label == "Sync (UAT)"


def test_entries_remember_their_line_in_the_project_file(tmp_path: Path) -> None:
    """Validation findings on project input can point at the line to fix."""
    (ps,) = bundle_of(tmp_path, VALID)
    assert [o.line for o in ps.object_permissions] == [13, 13]
    assert ps.source == str(tmp_path / "apionly.toml")


def test_profile_keys(tmp_path: Path) -> None:
    """Profiles take a license, IP ranges (sorted numerically) and login hours in minutes."""
    (profile,) = bundle_of(
        tmp_path,
        """\
        [profiles."ERP API"]
        user_license = "Salesforce"
        login_ip_ranges = [
            { start = "10.0.0.10", end = "10.0.0.20" },
            { start = "9.0.0.1", end = "9.0.0.1", description = "VPN" },
        ]
        login_hours = { monday = "08:00-18:30" }
        tabs = { Account = "hidden" }
        record_types = { "Account.Partner" = ["visible", "default"] }
        """,
    )
    assert profile.kind is Kind.PROFILE and profile.custom is None  # not written unless set
    assert [r.start for r in profile.login_ip_ranges] == ["9.0.0.1", "10.0.0.10"]
    assert profile.login_hours is not None
    assert profile.login_hours.hours == (("mondayEnd", "1110"), ("mondayStart", "480"))
    assert profile.tabs[0].visibility == "Hidden"
    assert profile.record_types[0].default is True


BAD_INPUTS = [
    pytest.param(
        '[permission_sets.Sync]\nlable = "x"\n',
        "DIR/apionly.toml:2: permission_sets.Sync.lable: unknown key (did you mean 'label'?); "
        "allowed keys: label, license, activation_required, description, api_only, "
        "user_permissions, objects, fields, apex_classes, pages, custom_permissions, tabs, record_types, "
        "agents, apps, computing_summaries, custom_metadata_types, custom_settings, dataspace_scopes, "
        "email_routing_addresses, external_credential_principals, external_data_sources, flows, "
        "service_presence_statuses, other",
        id="unknown-key",
    ),
    pytest.param(
        '[permision_sets.Sync]\nlabel = "x"\n',
        "DIR/apionly.toml:1: permision_sets: unknown key (did you mean 'permission_sets'?); "
        "allowed keys: project, vars, permission_sets, muting_permission_sets, profiles, "
        "permission_set_groups, delete, users, orgs",
        id="unknown-table",
    ),
    pytest.param(
        '[permission_sets.Sync]\napi_only = "yes"\n',
        "DIR/apionly.toml:2: permission_sets.Sync.api_only: must be true or false, not a string; "
        "write api_only = true",
        id="wrong-type-bool",
    ),
    pytest.param(
        "[permission_sets.Sync]\nlabel = 3\n",
        'DIR/apionly.toml:2: permission_sets.Sync.label: must be a string, not a number; write label = "..."',
        id="wrong-type-string",
    ),
    pytest.param(
        '[permission_sets.Sync]\nobjects = { Account = ["raed"] }\n',
        "DIR/apionly.toml:2: permission_sets.Sync.objects.Account: unknown permission word 'raed' "
        "(did you mean 'read'?); use: read, create, edit, delete, view_all, modify_all, all, none, "
        "view_all_fields, customize_setup, delete_setup, view_setup",
        id="unknown-permission-word",
    ),
    pytest.param(
        '[permission_sets.Sync]\nfields = { "Account.Industry" = ["read", "edit"] }\n',
        'DIR/apionly.toml:2: permission_sets.Sync.fields."Account.Industry": must be one word, '
        "not a list; use one of: read, edit, none",
        id="field-with-two-words",
    ),
    pytest.param(
        '[permission_sets.Sync]\ntabs = { Account = "shown" }\n',
        "DIR/apionly.toml:2: permission_sets.Sync.tabs.Account: unknown permission word 'shown'; "
        "use: available, visible, none",
        id="unknown-tab-word",
    ),
    pytest.param(
        '[permission_sets.Sync]\nfields = { Industry = "read" }\n',
        "DIR/apionly.toml:2: permission_sets.Sync.fields.Industry: a field is named Object.Field; "
        'e.g. "Account.Industry"',
        id="field-without-object",
    ),
    pytest.param(
        '[permission_sets."2Sync"]\nlabel = "x"\n',
        "DIR/apionly.toml:1: permission_sets.2Sync: name '2Sync' must start with a letter and use only "
        "letters, digits and single underscores, not ending in an underscore; "
        "rename it (API names look like ERP_Integration)",
        id="invalid-api-name",
    ),
    pytest.param(
        '[permission_sets.Sync__x_]\nlabel = "x"\n',
        "DIR/apionly.toml:1: permission_sets.Sync__x_: name 'Sync__x_' must start with a letter and use only "
        "letters, digits and single underscores, not ending in an underscore; "
        "rename it (API names look like ERP_Integration)",
        id="invalid-api-name-underscores",
    ),
    pytest.param(
        '[permission_sets.Sync]\nlabel = "a"\n[permission_sets.SYNC]\nlabel = "b"\n',
        "DIR/apionly.toml:3: permission_sets.SYNC: duplicate name: 'Sync' is already declared "
        "(Salesforce names ignore case); rename or merge one of them",
        id="duplicate-name-case",
    ),
    pytest.param(
        '[permission_sets.Sync]\nlabel = "a"\n[permission_sets.Sync]\nlabel = "b"\n',
        "DIR/apionly.toml:3: invalid TOML: Cannot declare ('permission_sets', 'Sync') twice (at line 3, column 22)",
        id="duplicate-table",
    ),
    pytest.param(
        '[profiles."A\\u0000B"]\ndescription = "x"\n',
        "DIR/apionly.toml:1: profiles.\"A\\x00B\": name 'A\\x00B' holds a control character; rename it",
        id="nul-in-profile-name",
    ),
    pytest.param(
        f"[profiles.{'P' * 250}]\n",
        f"DIR/apionly.toml:1: profiles.{'P' * 250}: name '{'P' * 40}...' makes a file name of "
        "267 bytes (UTF-8); file systems take at most 255; rename it",
        id="profile-name-too-long-for-a-file-name",
    ),
    pytest.param(
        f'[profiles."{chr(0x1F600) * 70}"]\n',
        f"DIR/apionly.toml:1: profiles.\"{chr(0x1F600) * 70}\": name '{chr(0x1F600) * 40}...' "
        "makes a file name of 297 bytes (UTF-8); file systems take at most 255; rename it",
        id="emoji-profile-name-too-long-for-a-file-name",
    ),
    pytest.param(
        '[profiles."Int\u00e9gration"]\ndescription = "a"\n'
        '[profiles."Inte\u0301gration"]\ndescription = "b"\n',
        "DIR/apionly.toml:1: profiles.\"Int\u00e9gration\": duplicate name: 'Int\u00e9gration' is "
        "declared twice, in two Unicode forms; keep one of them",
        id="one-name-in-two-unicode-forms",
    ),
    pytest.param(
        '[project]\napi_version = "62.0"\n',
        "DIR/apionly.toml: the project declares no permission sets, muting permission sets, profiles "
        "or permission set groups; "
        'add a [permission_sets.NAME] or [profiles."NAME"] table (see `apionly-deploy init`)',
        id="empty-project",
    ),
    pytest.param(
        '[permission_sets.Sync]\nlabel = "${enviroment}"\n[vars]\nenvironment = "x"\n',
        "DIR/apionly.toml:2: permission_sets.Sync.label: undefined variable ${enviroment} "
        "(did you mean 'environment'?); define it in [vars]",
        id="undefined-variable",
    ),
    pytest.param(
        '[profiles.P]\nlogin_ip_ranges = [{ start = "10.0.0.9", end = "10.0.0.1" }]\n',
        "DIR/apionly.toml:2: profiles.P.login_ip_ranges: entry 1: start 10.0.0.9 is after end 10.0.0.1; swap them",
        id="reversed-ip-range",
    ),
    pytest.param(
        '[profiles.P]\nlogin_ip_ranges = [{ start = "10.0.0.300", end = "10.0.1.1" }]\n',
        "DIR/apionly.toml:2: profiles.P.login_ip_ranges: start '10.0.0.300' is not an IPv4 address; "
        'write start = "203.0.113.10"',
        id="bad-ip",
    ),
    pytest.param(
        '[profiles.P]\nlogin_hours = { monday = "18:00-08:00" }\n',
        "DIR/apionly.toml:2: profiles.P.login_hours.monday: '18:00-08:00' is not a time span; "
        'write "08:00-18:00"',
        id="bad-login-hours",
    ),
    pytest.param(
        '[permission_sets.Sync]\nlabel = "x"\n[delete]\npermission_sets = ["sync"]\n',
        "DIR/apionly.toml:4: delete.permission_sets: 'sync' is both declared and listed for deletion; "
        "remove it from one of the two",
        id="delete-declared",
    ),
    pytest.param(
        '[project]\napi_version = "62"\n[permission_sets.Sync]\n',
        "DIR/apionly.toml:2: project.api_version: '62' is not an API version; write it like \"62.0\"",
        id="bad-api-version",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_INPUTS)
def test_bad_input_is_one_precise_line(tmp_path: Path, text: str, message: str) -> None:
    """Each mistake names the file, the line, the key path and the fix."""
    assert error_of(tmp_path, text) == message


def test_unknown_org_lists_the_known_ones(tmp_path: Path) -> None:
    """A typo in -o ORG says which orgs exist."""
    assert error_of(tmp_path, VALID, org="uta") == (
        "DIR/apionly.toml:7: orgs: no org named 'uta' (did you mean 'uat'?); "
        "define [orgs.uta] or use one of: env, local, uat"
    )


def test_missing_project_file_says_how_to_start(tmp_path: Path) -> None:
    """No apionly.toml: the error says to run init."""
    with pytest.raises(ConfigError, match=r"no project file; run `apionly-deploy init"):
        load_project(tmp_path)


def test_org_tables_may_read_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Key file paths come from the environment, never from the project file itself."""
    monkeypatch.setenv("APIONLY_TEST_KEY", "/secure/key.pem")
    project = load_project(
        write(tmp_path, VALID + '\n[orgs.prod]\nkey_file = "${APIONLY_TEST_KEY}"\n'), org="prod"
    )
    assert project.orgs["prod"]["key_file"] == "/secure/key.pem"


def test_locate_finds_inline_keys() -> None:
    """Errors inside inline tables point at their line."""
    text = '[a]\nx = 1\n[b."c d"]\nobjects = { Account = ["read"], Case = "all" }\n'
    assert locate(text, ("b", "c d", "objects", "Case")) == 4
    assert locate(text, ("a", "x")) == 2
    assert locate(text, ("b", "c d", "missing")) == 3


def test_other_orgs_secret_paths_do_not_block_this_org(tmp_path: Path) -> None:
    """An unset env var in [orgs.prod] does not stop `-o uat` or a render without an org."""
    text = VALID + '\n[orgs.prod]\nkey_file = "${APIONLY_UNSET_KEY}"\n'
    assert load_project(write(tmp_path, text), org="uat").orgs["prod"]["key_file"] == (
        "${APIONLY_UNSET_KEY}"
    )
    assert bundle_of(tmp_path, text)[0].label == "Sync (Prod)"
    message = error_of(tmp_path, text, org="prod")
    assert message == (
        "DIR/apionly.toml:16: orgs.prod: undefined variable ${APIONLY_UNSET_KEY}; "
        "define it in [vars] or the environment"
    )


def test_a_decomposed_file_name_is_the_composed_component() -> None:
    """macOS writes file names decomposed (NFD); the component is the one the project names."""
    decomposed = unicodedata.normalize("NFD", "Intégration")
    assert component_name(f"{decomposed}.profile-meta.xml") == "Intégration"


def test_names_are_read_in_nfc(tmp_path: Path) -> None:
    """A profile typed decomposed (NFD) is the profile Salesforce and the other files name."""
    decomposed = unicodedata.normalize("NFD", "Intégration")
    (tmp_path / "apionly.toml").write_text(
        f'[profiles."{decomposed}"]\n[permission_set_groups.G]\nlabel = "G"\n'
        f'permission_sets = ["S"]\n[delete]\nprofiles = ["{decomposed} Old"]\n'
    )
    bundle = build_bundle(load_project(tmp_path))
    assert [c.name for c in bundle.components if c.kind is Kind.PROFILE] == ["Intégration"]
    assert bundle.deletions == ((Kind.PROFILE, "Intégration Old"),)
