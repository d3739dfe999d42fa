"""The Metadata SOAP API: pure envelope builders and response parsers, and a thin client.

``envelopes`` builds requests, ``responses`` parses answers and faults, ``results`` holds the
dataclasses, ``client`` is the only part that touches the network.
"""

from __future__ import annotations

from apionly_deploy.salesforce.metadata_api.client import (
    USER_AGENT,
    Http,
    MetadataClient,
    check_url,
    http_session,
    is_loopback,
)
from apionly_deploy.salesforce.metadata_api.envelopes import DeployOptions, TestLevel
from apionly_deploy.salesforce.metadata_api.results import (
    AsyncResult,
    CoverageWarning,
    DeployMessage,
    DeployResult,
    DeployStatus,
    DescribeResult,
    FileProperties,
    RetrieveMessage,
    RetrieveResult,
    RunTestsResult,
    TestFailure,
    TestSuccess,
)

__all__ = [
    "USER_AGENT",
    "AsyncResult",
    "CoverageWarning",
    "DeployMessage",
    "DeployOptions",
    "DeployResult",
    "DeployStatus",
    "DescribeResult",
    "FileProperties",
    "Http",
    "MetadataClient",
    "RetrieveMessage",
    "RetrieveResult",
    "RunTestsResult",
    "TestFailure",
    "TestLevel",
    "TestSuccess",
    "check_url",
    "http_session",
    "is_loopback",
]
