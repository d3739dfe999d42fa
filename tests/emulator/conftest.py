"""Helpers for the local org's tests: zips, SOAP envelopes, an HTTPS session that trusts it."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.model.xmldoc import METADATA_NS, parse_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS = {"soapenv": SOAPENV, "m": METADATA_NS}
__all__ = ["METADATA_NS", "SOAPENV"]


def permission_set(
    *permissions: str,
    label: str = "ERP Integration",
    license: str | None = "SalesforceAPIIntegrationPsl",
    extra: str = "",
) -> bytes:
    """Return PermissionSet XML granting ``permissions``."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<PermissionSet xmlns="{METADATA_NS}">',
        f"    <label>{label}</label>",
    ]
    if license:
        lines.append(f"    <license>{license}</license>")
    if extra:
        lines.append(extra)
    for name in permissions:
        lines += [
            "    <userPermissions>",
            "        <enabled>true</enabled>",
            f"        <name>{name}</name>",
            "    </userPermissions>",
        ]
    lines += ["</PermissionSet>", ""]
    return "\n".join(lines).encode()


def package_xml(*types: tuple[str, list[str]], version: str = "62.0") -> bytes:
    body = "".join(
        "<types>"
        + "".join(f"<members>{m}</members>" for m in members)
        + f"<name>{name}</name></types>"
        for name, members in types
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Package xmlns="{METADATA_NS}">{body}'
        f"<version>{version}</version></Package>"
    ).encode()


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ps_zip(name: str = "ERP_Integration", xml: bytes | None = None) -> bytes:
    """Return a deploy zip holding one permission set."""
    return make_zip(
        {
            "package.xml": package_xml(("PermissionSet", [name])),
            f"permissionsets/{name}.permissionset": xml or permission_set("ApiEnabled"),
        }
    )


def envelope(body: str, session_id: str | None) -> bytes:
    header = (
        f"<soapenv:Header><m:SessionHeader><m:sessionId>{session_id}</m:sessionId>"
        "</m:SessionHeader></soapenv:Header>"
        if session_id is not None
        else ""
    )
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:m="{METADATA_NS}">{header}'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def deploy_body(zip_data: bytes, **options: Any) -> str:
    defaults = {"rollbackOnError": "true", "singlePackage": "true"}
    defaults.update({k: str(v).lower() if isinstance(v, bool) else v for k, v in options.items()})
    opts = "".join(f"<m:{k}>{v}</m:{k}>" for k, v in defaults.items())
    data = base64.b64encode(zip_data).decode()
    return f"<m:deploy><m:ZipFile>{data}</m:ZipFile><m:DeployOptions>{opts}</m:DeployOptions></m:deploy>"


class Soap:
    """A Metadata API caller over the emulator's real HTTPS endpoint."""

    def __init__(self, info: EmulatorInfo, session: requests.Session) -> None:
        self.info = info
        self.session = session
        self.url = f"{info.instance_url}/services/Soap/m/62.0"
        self.token: str | None = info.access_token

    def raw(self, body: str, *, token: str | bool | None = True) -> requests.Response:
        session_id = self.token if token is True else (None if token is False else token)
        return self.session.post(
            self.url,
            data=envelope(body, session_id),
            headers={"Content-Type": "text/xml", "SOAPAction": '""'},
        )

    def call(self, body: str) -> etree._Element:
        """Post a body; return the ``result`` element (or the response element)."""
        response = self.raw(body)
        assert response.status_code == 200, response.text
        root = parse_bytes(response.content)
        reply = root.find("soapenv:Body", NS)[0]
        result = reply.find("m:result", NS)
        return reply if result is None else result

    def deploy(self, zip_data: bytes, **options: Any) -> str:
        return text(self.call(deploy_body(zip_data, **options)), "id")

    def status(self, job_id: str, details: bool = True) -> etree._Element:
        return self.call(
            f"<m:checkDeployStatus><m:asyncProcessId>{job_id}</m:asyncProcessId>"
            f"<m:includeDetails>{str(details).lower()}</m:includeDetails></m:checkDeployStatus>"
        )

    def wait(self, job_id: str, polls: int = 20) -> etree._Element:
        for _ in range(polls):
            result = self.status(job_id)
            if text(result, "done") == "true":
                return result
        raise AssertionError(f"deploy {job_id} not done after {polls} polls")


def text(element: etree._Element, path: str) -> str:
    found = element.find("/".join(f"m:{p}" for p in path.split("/")), NS)
    assert found is not None, f"no {path} in {etree.tostring(element)[:500]!r}"
    return found.text or ""


def texts(element: etree._Element, path: str) -> list[str]:
    return [e.text or "" for e in element.findall("/".join(f"m:{p}" for p in path.split("/")), NS)]


def retrieve(soap: Soap, types: str, single: bool = False) -> etree._Element:
    """Retrieve the ``<m:types>`` given and return the finished RetrieveResult."""
    job = text(
        soap.call(
            "<m:retrieve><m:retrieveRequest><m:apiVersion>62.0</m:apiVersion>"
            f"<m:singlePackage>{str(single).lower()}</m:singlePackage>"
            f"<m:unpackaged>{types}<m:version>62.0</m:version></m:unpackaged>"
            "</m:retrieveRequest></m:retrieve>"
        ),
        "id",
    )
    return soap.call(
        f"<m:checkRetrieveStatus><m:asyncProcessId>{job}</m:asyncProcessId>"
        "<m:includeZip>true</m:includeZip></m:checkRetrieveStatus>"
    )


def retrieved_files(result: etree._Element) -> dict[str, bytes]:
    """Return the files of a RetrieveResult's zip by name."""
    data = base64.b64decode(text(result, "zipFile"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def http(emulator: EmulatorInfo) -> Iterator[requests.Session]:
    """A requests session that trusts the emulator's CA (and ignores REQUESTS_CA_BUNDLE)."""
    with requests.Session() as session:
        session.trust_env = False
        session.verify = str(emulator.ca_cert)
        yield session


@pytest.fixture
def soap(emulator: EmulatorInfo, http: requests.Session) -> Soap:
    return Soap(emulator, http)


@pytest.fixture
def oauth(emulator: EmulatorInfo, http: requests.Session) -> Callable[..., requests.Response]:
    def post(**form: str) -> requests.Response:
        return http.post(f"{emulator.login_url}/services/oauth2/token", data=form)

    return post
