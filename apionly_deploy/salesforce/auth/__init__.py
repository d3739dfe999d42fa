"""Credentials to an org session: which org (``orgs``) and how to log in to it (``login``)."""

from __future__ import annotations

from apionly_deploy.salesforce.auth.login import (
    OrgSession,
    http_for,
    jwt_assertion,
    jwt_audience,
    login,
    parse_sfdx_url,
    parse_soap_login,
    parse_token_response,
)
from apionly_deploy.salesforce.auth.orgs import (
    SECRETS,
    Flow,
    OrgConfig,
    Secret,
    default_env_var,
    org_config_from_table,
    org_from_env,
    resolve_org,
)

__all__ = [
    "SECRETS",
    "Flow",
    "OrgConfig",
    "OrgSession",
    "Secret",
    "default_env_var",
    "http_for",
    "jwt_assertion",
    "jwt_audience",
    "login",
    "org_config_from_table",
    "org_from_env",
    "parse_sfdx_url",
    "parse_soap_login",
    "parse_token_response",
    "resolve_org",
]
