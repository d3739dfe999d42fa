"""The HTTP edge: one session factory, and a Metadata API client that only posts."""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import logging
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import requests

from apionly_deploy import __version__
from apionly_deploy.errors import ConfigError, ServerError
from apionly_deploy.salesforce import transport
from apionly_deploy.salesforce.metadata_api import envelopes, responses, soap
from apionly_deploy.salesforce.metadata_api.results import (
    AsyncResult,
    DeployResult,
    DescribeResult,
    FileProperties,
    RetrieveResult,
)

log = logging.getLogger(__name__)

USER_AGENT = f"apionly-deploy/{__version__} python-requests/{requests.__version__}"
#: (connect, read) seconds. A deploy upload of ~39 MB needs a generous read timeout.
DEFAULT_TIMEOUT = (15.0, 300.0)
SOAP_HEADERS = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'}


def http_session() -> requests.Session:
    """Return the one kind of requests.Session the tool uses (User-Agent, no blind retries).

    POSTs are never retried by the transport: a deploy must not be sent twice; polls are
    retried by ``apionly_deploy.salesforce.deploy`` where the deadline is known.
    """
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def is_loopback(host: str) -> bool:
    """Return True for localhost and loopback addresses."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, what: str = "URL") -> str:
    """Return ``url`` without a trailing slash; refuse plain http except to loopback hosts."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{what} {url!r} is not an https:// URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{what} {url!r} uses plain http; only https is allowed except to a loopback host"
        )
    return url.rstrip("/")


@dataclasses.dataclass(slots=True)
class Http:
    """POSTs with explicit TLS verification and timeouts; transport failures become errors.

    ``verify`` is passed on every request, because requests lets REQUESTS_CA_BUNDLE override a
    session-wide setting (psf/requests#3829). ``True`` keeps the environment's CA bundle.
    """

    session: requests.Session = dataclasses.field(default_factory=http_session)
    verify: bool | str = True
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    requests_sent: int = 0
    #: ``time.monotonic()`` by which every exchange must be over (``--wait``), or None.
    deadline: float | None = None

    def post(
        self, url: str, *, data: bytes | Mapping[str, str], headers: Mapping[str, str]
    ) -> requests.Response:
        """POST ``data`` to ``url`` (no redirect, bounded answer, by ``deadline`` when set)."""
        check_url(url)
        self.requests_sent += 1
        return transport.send(
            self.session,
            "POST",
            url,
            data=data,
            headers=dict(headers),
            timeout=self.timeout,
            verify=self.verify,
            deadline=self.deadline,
        )


class MetadataClient:
    """Call Metadata API operations for one org session. Builds nothing, parses nothing itself."""

    def __init__(self, http: Http, *, instance_url: str, access_token: str, api_version: str):
        self.http = http
        self.instance_url = check_url(instance_url, what="instance URL")
        self.api_version = api_version
        self._token = access_token
        self.url = f"{self.instance_url}/services/Soap/m/{api_version}"

    def with_token(self, access_token: str, instance_url: str | None = None) -> MetadataClient:
        """Return a client for a fresh session on the same HTTP connection pool."""
        return MetadataClient(
            self.http,
            instance_url=instance_url or self.instance_url,
            access_token=access_token,
            api_version=self.api_version,
        )

    def _call(self, operation: str, envelope: bytes) -> bytes:
        log.debug("POST %s %s", self.url, operation)
        response = self.http.post(self.url, data=envelope, headers=SOAP_HEADERS)
        if response.ok:
            return response.content
        with contextlib.suppress(ServerError):  # a SOAP fault comes with HTTP 500: raise it
            soap.body_of(response.content, source=f"{operation} response")
        host = urlsplit(self.url).netloc
        raise ServerError(
            f"{host} answered HTTP {response.status_code} {response.reason} to {operation}",
            status=response.status_code,
        )

    def deploy(self, zip_bytes: bytes, options: envelopes.DeployOptions) -> AsyncResult:
        """Start a deploy; return its job."""
        data = self._call("deploy", envelopes.deploy_envelope(self._token, zip_bytes, options))
        return responses.parse_async_result(data, "deploy")

    def check_deploy_status(self, job_id: str, *, include_details: bool) -> DeployResult:
        """Return where deploy ``job_id`` stands."""
        envelope = envelopes.check_deploy_status_envelope(
            self._token, job_id, include_details=include_details
        )
        result = responses.parse_deploy_result(self._call("checkDeployStatus", envelope))
        return dataclasses.replace(result, has_details=include_details or result.has_details)

    def cancel_deploy(self, job_id: str) -> AsyncResult:
        """Ask the org to cancel deploy ``job_id``."""
        envelope = envelopes.cancel_deploy_envelope(self._token, job_id)
        return responses.parse_cancel_result(self._call("cancelDeploy", envelope))

    def deploy_recent_validation(self, validation_id: str) -> str:
        """Quick-deploy a validated deploy; return the new job id."""
        envelope = envelopes.deploy_recent_validation_envelope(self._token, validation_id)
        return responses.parse_recent_validation(self._call("deployRecentValidation", envelope))

    def retrieve(self, members: Mapping[str, Sequence[str]]) -> AsyncResult:
        """Start retrieving ``{type: [member, ...]}``."""
        envelope = envelopes.retrieve_envelope(self._token, self.api_version, members)
        return responses.parse_async_result(self._call("retrieve", envelope), "retrieve")

    def check_retrieve_status(self, job_id: str, *, include_zip: bool = True) -> RetrieveResult:
        """Return where retrieve ``job_id`` stands (with the zip once done)."""
        envelope = envelopes.check_retrieve_status_envelope(
            self._token, job_id, include_zip=include_zip
        )
        return responses.parse_retrieve_result(self._call("checkRetrieveStatus", envelope))

    def list_metadata(
        self, queries: Iterable[tuple[str, str | None]]
    ) -> tuple[FileProperties, ...]:
        """List components of the queried ``(type, folder)`` pairs."""
        envelope = envelopes.list_metadata_envelope(self._token, self.api_version, queries)
        return responses.parse_list_metadata(self._call("listMetadata", envelope))

    def read_metadata(
        self, type_name: str, full_names: Sequence[str]
    ) -> tuple[tuple[str, bytes], ...]:
        """Read components synchronously; return ``(type, XML document)`` pairs."""
        envelope = envelopes.read_metadata_envelope(self._token, type_name, full_names)
        return responses.parse_read_metadata(self._call("readMetadata", envelope))

    def describe_metadata(self) -> DescribeResult:
        """Describe the metadata types the org supports."""
        envelope = envelopes.describe_metadata_envelope(self._token, self.api_version)
        return responses.parse_describe_metadata(self._call("describeMetadata", envelope))
