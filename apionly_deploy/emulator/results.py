"""The deploy result as both Metadata APIs report it (SOAP and REST share these)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DeployMessage:
    """One componentSuccess or componentFailure (Metadata API ``DeployMessage``)."""

    changed: bool
    component_type: str
    created: bool
    created_date: float
    deleted: bool
    file_name: str
    full_name: str
    success: bool
    id: str | None = None
    line_number: int | None = None
    column_number: int | None = None
    problem: str | None = None
    problem_type: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What executing a deploy produced, before it is dressed as a DeployResult."""

    status: str
    successes: tuple[DeployMessage, ...] = ()
    failures: tuple[DeployMessage, ...] = ()
    components_total: int = 0
    components_deployed: int = 0
    component_errors: int = 0
    tests_total: int = 0
    error_message: str | None = None
    error_status_code: str | None = None
    test_failures: tuple[dict[str, Any], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> Outcome:
        values = dict(data)
        values["successes"] = tuple(DeployMessage(**m) for m in data["successes"])
        values["failures"] = tuple(DeployMessage(**m) for m in data["failures"])
        values["test_failures"] = tuple(data.get("test_failures", ()))
        return Outcome(**values)


@dataclass(frozen=True, slots=True)
class DeployResult:
    """A deploy job as checkDeployStatus reports it."""

    id: str
    status: str
    done: bool
    success: bool
    check_only: bool
    ignore_warnings: bool
    rollback_on_error: bool
    run_tests_enabled: bool
    created_by: str
    created_by_name: str
    created_date: float
    last_modified_date: float
    number_components_total: int
    number_components_deployed: int
    number_component_errors: int
    number_tests_total: int
    number_tests_completed: int
    number_test_errors: int
    start_date: float | None = None
    completed_date: float | None = None
    canceled_by: str | None = None
    canceled_by_name: str | None = None
    error_message: str | None = None
    error_status_code: str | None = None
    state_detail: str | None = None
    successes: tuple[DeployMessage, ...] = ()
    failures: tuple[DeployMessage, ...] = ()
    test_failures: tuple[dict[str, Any], ...] = ()
