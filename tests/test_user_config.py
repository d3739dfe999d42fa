"""[users."NAME"] tables: defaults, the per-org username suffix, one precise error per bad input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from apionly_deploy.errors import ConfigError, ExitCode
from apionly_deploy.project.config import load_project
from apionly_deploy.users.config import DesiredUser, default_alias, desired_users

BASE = """\
[vars]
username_suffix = ""

[orgs.uat.vars]
username_suffix = ".uat"

[users."erp@acme.example"]
last_name = "Integration"
email = "owners@acme.example"
profile = "Minimum Access - API Only Integrations"
permission_set_licenses = ["SalesforceAPIIntegrationPsl"]
permission_set_groups = ["ERP_Integration"]
"""


def users_of(tmp_path: Path, text: str, org: str | None = None) -> tuple[DesiredUser, ...]:
    (tmp_path / "apionly.toml").write_text(textwrap.dedent(text))
    return desired_users(load_project(tmp_path, org=org))


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        users_of(tmp_path, text)
    assert caught.value.exit_code == ExitCode.CONFIG
    return str(caught.value).replace(str(tmp_path), "DIR")


def test_defaults_fill_a_create_and_stay_out_of_updates(tmp_path: Path) -> None:
    """Unset time zone/locale/language/encoding get defaults on create and are not managed."""
    (user,) = users_of(tmp_path, BASE)
    fields = user.create_fields()
    assert fields["TimeZoneSidKey"] == "GMT"
    assert fields["LocaleSidKey"] == fields["LanguageLocaleKey"] == "en_US"
    assert fields["EmailEncodingKey"] == "UTF-8"
    assert fields["Alias"] == "integrat"
    assert "FirstName" not in fields
    assert set(user.managed_fields()) == {"LastName", "Email", "IsActive"}


def test_sandbox_suffix_comes_from_the_org_vars(tmp_path: Path) -> None:
    """Usernames are global: `-o uat` appends `.uat` from [orgs.uat.vars]."""
    (prod,) = users_of(tmp_path, BASE)
    (uat,) = users_of(tmp_path, BASE, org="uat")
    assert prod.username == "erp@acme.example"
    assert uat.username == "erp@acme.example.uat"
    assert uat.declared_as == "erp@acme.example"


def test_every_key_is_read(tmp_path: Path) -> None:
    """All documented keys land on the DesiredUser."""
    text = BASE + textwrap.dedent("""\
        first_name = "ERP"
        alias = "erp1"
        user_license = "Salesforce Integration"
        permission_sets = ["Extra"]
        time_zone = "Europe/Paris"
        locale = "fr_FR"
        language = "fr"
        email_encoding = "ISO-8859-1"
        federation_id = "erp-sso"
        active = false
        """)
    (user,) = users_of(tmp_path, text)
    assert user.managed_fields() == {
        "LastName": "Integration",
        "Email": "owners@acme.example",
        "FirstName": "ERP",
        "Alias": "erp1",
        "TimeZoneSidKey": "Europe/Paris",
        "LocaleSidKey": "fr_FR",
        "LanguageLocaleKey": "fr",
        "EmailEncodingKey": "ISO-8859-1",
        "FederationIdentifier": "erp-sso",
        "IsActive": False,
    }
    assert user.user_license == "Salesforce Integration"
    assert user.permission_sets == ("Extra",)
    assert user.permission_set_groups == ("ERP_Integration",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('email = "owners@acme.example"', 'email = "owners at acme"'),
            "DIR/apionly.toml:9: users.\"erp@acme.example\".email: 'owners at acme' is not a "
            "valid email address",
        ),
        (
            ('last_name = "Integration"\n', ""),
            'DIR/apionly.toml:7: users."erp@acme.example": last_name is missing; add '
            'last_name = "..."',
        ),
        (
            ('profile = "Minimum', 'profil = "Minimum'),
            'DIR/apionly.toml:10: users."erp@acme.example".profil: unknown key (did you mean '
            "'profile'?)",
        ),
        (
            ('[users."erp@acme.example"]', '[users."erp-integration"]'),
            "username 'erp-integration' is not in the form of an email address",
        ),
        (
            ('permission_set_groups = ["ERP_Integration"]', 'permission_set_groups = "ERP"'),
            "permission_set_groups: must be a list of names",
        ),
    ],
)
def test_bad_input_is_one_line_with_file_and_line(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    """Invalid email, a missing name, a typo'd key, a non-email username: caught before any org."""
    assert expected in error_of(tmp_path, BASE.replace(*change))


def test_alias_longer_than_eight_is_refused(tmp_path: Path) -> None:
    assert "an alias has 1 to 8 characters" in error_of(tmp_path, BASE + 'alias = "toolongalias"\n')


def test_suffix_with_spaces_is_refused(tmp_path: Path) -> None:
    text = BASE.replace('username_suffix = ""', 'username_suffix = " uat"')
    assert "username suffix ' uat' may hold only" in error_of(tmp_path, text)


def test_two_keys_for_one_username_are_refused(tmp_path: Path) -> None:
    """Usernames are case-insensitive in Salesforce, so ERP@ and erp@ are the same user."""
    second = BASE.split("[users.", 1)[1].replace('"erp@acme.example"', '"ERP@acme.example"')
    assert "the same username as 'erp@acme.example'" in error_of(
        tmp_path, BASE + "[users." + second
    )


def test_default_alias_is_initial_plus_last_name() -> None:
    assert default_alias("Billing", "Integration User") == "bintegra"
    assert default_alias(None, "Sync") == "sync"
