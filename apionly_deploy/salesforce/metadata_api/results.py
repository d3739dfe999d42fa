"""What the Metadata API answers, as frozen dataclasses (Salesforce's camelCase ends here)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeployStatus(StrEnum):
    """``DeployResult.status``."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    SUCCEEDED_PARTIAL = "SucceededPartial"
    FAILED = "Failed"
    CANCELING = "Canceling"
    CANCELED = "Canceled"

    @property
    def final(self) -> bool:
        """Return True when the deploy will not change any more."""
        return self in _FINAL


_FINAL = frozenset(
    {
        DeployStatus.SUCCEEDED,
        DeployStatus.SUCCEEDED_PARTIAL,
        DeployStatus.FAILED,
        DeployStatus.CANCELED,
    }
)


@dataclass(frozen=True, slots=True)
class DeployMessage:
    """One component's outcome (``componentFailures`` / ``componentSuccesses``)."""

    full_name: str
    component_type: str = ""
    file_name: str = ""
    success: bool = True
    problem: str | None = None
    problem_type: str | None = None  # Error | Warning | Info
    line: int | None = None
    column: int | None = None
    changed: bool = False
    created: bool = False
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class TestFailure:
    """An Apex test method that failed."""

    __test__ = False  # not a pytest test class

    name: str
    method_name: str
    message: str
    stack_trace: str | None = None
    time: float = 0.0
    namespace: str | None = None


@dataclass(frozen=True, slots=True)
class TestSuccess:
    """An Apex test method that passed."""

    __test__ = False  # not a pytest test class

    name: str
    method_name: str
    time: float = 0.0
    namespace: str | None = None


@dataclass(frozen=True, slots=True)
class CoverageWarning:
    """A code coverage warning (org-wide or per class)."""

    message: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class RunTestsResult:
    """The Apex test run of a deploy."""

    num_tests_run: int = 0
    num_failures: int = 0
    total_time: float = 0.0
    failures: tuple[TestFailure, ...] = ()
    successes: tuple[TestSuccess, ...] = ()
    coverage_warnings: tuple[CoverageWarning, ...] = ()


@dataclass(frozen=True, slots=True)
class DeployResult:
    """``checkDeployStatus``: where a deploy stands, with details when they were asked for."""

    id: str
    status: DeployStatus
    done: bool
    success: bool
    check_only: bool = False
    components_total: int = 0
    components_deployed: int = 0
    component_errors: int = 0
    tests_total: int = 0
    tests_completed: int = 0
    test_errors: int = 0
    state_detail: str | None = None
    error_message: str | None = None
    error_status_code: str | None = None
    canceled_by: str | None = None
    created_date: str | None = None
    start_date: str | None = None
    completed_date: str | None = None
    #: True when the answer carried ``details`` (``includeDetails=true``, or a legacy answer).
    has_details: bool = False
    component_failures: tuple[DeployMessage, ...] = ()
    component_successes: tuple[DeployMessage, ...] = ()
    test_result: RunTestsResult | None = None

    def progress_key(self) -> tuple[object, ...]:
        """Return what a progress display shows; it changes when something visible changed."""
        return (
            self.status,
            self.state_detail,
            self.components_deployed,
            self.components_total,
            self.component_errors,
            self.tests_completed,
            self.tests_total,
            self.test_errors,
        )


@dataclass(frozen=True, slots=True)
class AsyncResult:
    """The answer to ``deploy`` and ``retrieve`` (and the legacy ``checkStatus``)."""

    id: str
    done: bool = False
    state: str | None = None  # Queued | InProgress | Completed | Error
    message: str | None = None
    status_code: str | None = None


@dataclass(frozen=True, slots=True)
class FileProperties:
    """One file of a retrieve, or one ``listMetadata`` entry."""

    full_name: str
    type: str
    file_name: str
    id: str | None = None
    last_modified_date: str | None = None
    last_modified_by_name: str | None = None
    manageable_state: str | None = None
    namespace_prefix: str | None = None


@dataclass(frozen=True, slots=True)
class RetrieveMessage:
    """A retrieve warning, such as a component that cannot be found."""

    file_name: str
    problem: str


@dataclass(frozen=True, slots=True)
class RetrieveResult:
    """``checkRetrieveStatus``: state and, when done, the zip."""

    id: str
    done: bool
    status: str  # Pending | InProgress | Succeeded | Failed
    success: bool
    error_message: str | None = None
    error_status_code: str | None = None
    file_properties: tuple[FileProperties, ...] = ()
    messages: tuple[RetrieveMessage, ...] = ()
    zip_file: bytes | None = None


@dataclass(frozen=True, slots=True)
class MetadataTypeInfo:
    """One ``describeMetadata`` entry."""

    xml_name: str
    directory_name: str
    suffix: str | None = None
    in_folder: bool = False
    meta_file: bool = False
    child_xml_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DescribeResult:
    """``describeMetadata``: the types the org knows."""

    types: tuple[MetadataTypeInfo, ...] = ()
    organization_namespace: str = ""
    partial_save_allowed: bool = False
    test_required: bool = False
