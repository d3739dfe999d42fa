"""Wrong TOML types at every key of the `[users]` and `[orgs]` tables (the permission tables are
in test_fuzz): the loader gives a value or one ConfigError line (exit 3), never a traceback."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apionly_deploy.errors import ApionlyError, ConfigError
from apionly_deploy.project.config import _TOP_KEYS as TOP_KEYS
from apionly_deploy.project.config import load_project
from apionly_deploy.salesforce.auth import resolve_org
from apionly_deploy.salesforce.auth.orgs import _KEYS as ORG_KEYS
from apionly_deploy.users.config import _KEYS as USER_KEYS
from apionly_deploy.users.config import desired_users

from .test_fuzz import FAST, _toml_literal, toml_values

USER = '[users."erp@acme.example"]\nlast_name = "ERP"\nemail = "erp@acme.example"\n'
ORG = "[orgs.fuzz]\n"
ORG_BASE = {
    "auth": '"client-credentials"',
    "login_url": '"https://login.salesforce.com"',
    "client_id": '"3MVG9x"',
}


def load_or_config_error(text: str, action) -> None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "apionly.toml").write_text(text)
        try:
            action(root)
        except ApionlyError as err:
            assert err.exit_code == 3, err
            assert "\n" not in str(err)


def users_of(root: Path) -> object:
    return desired_users(load_project(root))


def org_of(root: Path) -> object:
    project = load_project(root)
    return resolve_org("fuzz", project.orgs, base_dir=root, environ={})


@FAST
@given(key=st.sampled_from([*USER_KEYS, "bogus"]), value=toml_values)
def test_users_table_wrong_types(key: str, value: object) -> None:
    base = USER if key not in ("last_name", "email") else USER.replace(f"{key} =", "# ")
    profile = "" if key == "profile" else 'profile = "Minimum Access - API Only Integrations"\n'
    load_or_config_error(f"{base}{profile}{key} = {_toml_literal(value)}\n", users_of)


@FAST
@given(key=st.sampled_from([*ORG_KEYS, "client_secret", "password", "bogus"]), value=toml_values)
def test_orgs_table_wrong_types(key: str, value: object) -> None:
    lines = [f"{k} = {v}" for k, v in ORG_BASE.items() if k != key]
    load_or_config_error(f"{ORG}{chr(10).join(lines)}\n{key} = {_toml_literal(value)}\n", org_of)


@pytest.mark.parametrize(
    "text",
    [
        '[users]\n"a@b.example" = 3\n',
        "[orgs]\nfuzz = 3\n",
        '[orgs]\nfuzz = ["a"]\n',
        "[orgs.fuzz.vars]\nx = 1\n",
        '[orgs.fuzz]\nauth = "access-token"\ninstance_url = "https://x.example"\nvars = 3\n',
    ],
)
def test_whole_tables_of_the_wrong_type(text: str) -> None:
    load_or_config_error(text, users_of)
    load_or_config_error(text, org_of)


@pytest.mark.parametrize("key", TOP_KEYS)
@pytest.mark.parametrize("value", ["3", '"x"', "[1, 2]", "true"])
def test_a_top_level_table_of_the_wrong_type_is_a_config_error(
    tmp_path: Path, key: str, value: str
) -> None:
    """`users = 3` used to read as "(no users declared)" and exit 0: it is exit 3, file:line."""
    (tmp_path / "apionly.toml").write_text(f"# a project\n{key} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'apionly.toml'}:2: {key}: must be a table")
    assert caught.value.exit_code == 3
