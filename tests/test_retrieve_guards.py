"""Guards on retrieve a real bug would break: what counts as a failed, late or oversized one."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence

import pytest

from apionly_deploy.errors import ContentError, DeployTimeout, RemoteError
from apionly_deploy.model.components import Kind
from apionly_deploy.salesforce.metadata_api import AsyncResult, RetrieveResult
from apionly_deploy.salesforce.metadata_api.responses import parse_retrieve_result
from apionly_deploy.salesforce.retrieve import files
from apionly_deploy.salesforce.retrieve.fetch import Selection, retrieve


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class OneAnswer:
    """A client whose retrieve always answers ``result``."""

    def __init__(self, result: RetrieveResult) -> None:
        self.result = result

    def retrieve(self, members: Mapping[str, Sequence[str]]) -> AsyncResult:
        return AsyncResult(id="09S000000000001AAA", done=False, state="Queued")

    def check_retrieve_status(self, job_id: str, *, include_zip: bool = True) -> RetrieveResult:
        return self.result


SETS = Selection({Kind.PERMISSION_SET: ["ERP_Sync"]})


def test_a_retrieve_the_org_calls_failed_fails_even_with_a_zip() -> None:
    failed = RetrieveResult(
        id="09S000000000001AAA",
        done=True,
        status="Failed",
        success=False,
        error_message="INVALID_CROSS_REFERENCE_KEY",
        zip_file=b"PK\x05\x06" + b"\x00" * 18,
    )
    clock = Clock()
    with pytest.raises(RemoteError, match="failed: INVALID_CROSS_REFERENCE_KEY"):
        retrieve(OneAnswer(failed), SETS, timeout=60, sleep=clock.sleep, clock=clock)


def test_a_retrieve_that_never_finishes_times_out_and_says_so() -> None:
    running = RetrieveResult(
        id="09S000000000001AAA", done=False, status="InProgress", success=False
    )
    clock = Clock()
    with pytest.raises(DeployTimeout, match="retrieve 09S000000000001AAA did not finish in time"):
        retrieve(OneAnswer(running), SETS, timeout=30, sleep=clock.sleep, clock=clock)
    assert clock.now >= 30


def test_the_file_limit_counts_every_entry_not_only_the_wanted_ones(monkeypatch) -> None:
    """A zip of many entries is refused even when few of them are permission files."""
    monkeypatch.setattr(files, "MAX_FILES", 5)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("permissionsets/A.permissionset", b"<PermissionSet/>")
        for i in range(5):
            archive.writestr(f"classes/C{i}.cls", b"public class C {}")
    with pytest.raises(ContentError, match="too many files"):
        files.unpack(buffer.getvalue())
    folders = io.BytesIO()  # directory entries count too: they cost the reader all the same
    with zipfile.ZipFile(folders, "w") as archive:
        archive.writestr("permissionsets/A.permissionset", b"<PermissionSet/>")
        for i in range(5):
            archive.writestr(zipfile.ZipInfo(f"d{i}/"), b"")
    with pytest.raises(ContentError, match="too many files"):
        files.unpack(folders.getvalue())


def test_a_legacy_retrieve_answer_without_a_zip_is_no_success() -> None:
    """Before API 31 the answer carried no status: success then means a zip came."""
    ns = "http://soap.sforce.com/2006/04/metadata"
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<soapenv:Body><checkRetrieveStatusResponse xmlns="{ns}"><result>'
        "<done>true</done><id>09S000000000001AAA</id>"
        "</result></checkRetrieveStatusResponse></soapenv:Body></soapenv:Envelope>"
    ).encode()
    result = parse_retrieve_result(body)
    assert result.done and not result.success and result.zip_file is None
