"""Deploy failures located in apionly.toml: same places as a line-by-line search, in linear time."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from scaling import calls_made, grows_linearly

from apionly_deploy.report import deploy as report
from apionly_deploy.report import deploy_ci, locations
from apionly_deploy.salesforce.deploy import Outcome, Verb
from apionly_deploy.salesforce.metadata_api import DeployMessage, DeployResult, DeployStatus


def _search(lines: list[str], start: int, problem: str) -> tuple[int, int]:
    """The reference: search each line after ``start`` for each name of ``problem``."""
    tokens = [
        t
        for t in re.findall(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*", problem)
        if any(c.isupper() for c in t[1:]) or "_" in t or "." in t
    ]
    for number in range(start, len(lines)):
        if lines[number].lstrip().startswith("["):
            break
        for token in tokens:
            match = re.search(rf"(?<![\w.]){re.escape(token)}(?![\w])", lines[number])
            if match:
                return number + 1, match.start() + 1
    return start, 1


_WORDS = st.sampled_from(["Account", "Industry", "Obj_1", "Obj_1.F_2", "ViewSetup", "é", "a"])
_TEXT = st.lists(
    st.one_of(_WORDS, st.sampled_from([".", " ", '"', "=", "[", ", ", "_", "x1", "{", "é"])),
    max_size=12,
).map("".join)


@given(lines=st.lists(_TEXT, min_size=1, max_size=6), problem=_TEXT, start=st.integers(0, 3))
def test_positions_match_a_line_by_line_search(lines, problem, start):
    """The one-pass index finds exactly what searching every line for every name finds."""
    positions = locations.table_positions(lines, start)
    assert locations.token_position(positions, problem, start=start) == _search(
        lines, start, problem
    )


def _project(count: int) -> str:
    names = "".join(f'  "Perm_{i}",\n' for i in range(count))
    fields = ", ".join(f'"Obj_{i}__c.F__c" = "read"' for i in range(count))
    return (
        '[project]\nname = "big"\n\n'
        f'[permission_sets.Big]\nlabel = "Big"\nuser_permissions = [\n{names}]\n'
        f"fields = {{ {fields} }}\n\n"
        f'[profiles."P 1"]\napi_only = true\nfields = {{ {fields} }}\n'
    )


def _failed(count: int) -> Outcome:
    failures = []
    for i in range(count):
        failures.append(
            DeployMessage(
                full_name="Big",
                component_type="PermissionSet",
                success=False,
                problem=f"Unknown user permission: Perm_{i}",
            )
        )
        failures.append(
            DeployMessage(
                full_name="P 1",
                component_type="Profile",
                success=False,
                problem=f"In field: field - no CustomField named Obj_{i}__c.F__c found",
            )
        )
    result = DeployResult(
        id="0Af000000000001AAA",
        status=DeployStatus.FAILED,
        done=True,
        success=False,
        components_total=2,
        component_errors=2 * count,
        has_details=True,
        component_failures=tuple(failures),
    )
    return Outcome("local", Verb.START, result.id, result)


def test_failures_land_on_the_line_naming_them():
    text = _project(3)
    locate = locations.project_location(Path("apionly.toml"), text)
    outcome = _failed(3)
    assert outcome.result is not None
    found = [locate(m) for m in outcome.result.component_failures]
    lines = text.splitlines()
    assert found[2] == ("apionly.toml", 8, 4)  # "Perm_1" on its own line
    assert found[5][1] == 15  # the profile's fields line
    assert lines[found[5][1] - 1][found[5][2] - 1 :].startswith("Obj_2__c.F__c")


def _report_all(count: int) -> None:
    outcome = _failed(count)
    locate = locations.project_location(Path("apionly.toml"), _project(count))
    report.text_summary(outcome, locate=locate)
    report.json_report([outcome], locate=locate)
    deploy_ci.junit_report([outcome], locate=locate)
    deploy_ci.github_annotations([outcome], locate=locate)
    deploy_ci.github_summary([outcome])


def test_a_report_of_many_failures_takes_linear_work():
    """Text, JSON, JUnit and GitHub reports of n failures into apionly.toml: O(n) calls."""
    assert grows_linearly(_report_all, 200)


def test_the_scaling_check_catches_quadratic_work():
    """The counter tells n^2 from n (a scaling test that cannot fail guards nothing)."""

    def quadratic(n: int) -> None:
        for i in range(n):
            for _ in range(i):
                abs(i)

    assert calls_made(lambda: quadratic(10)) > 0
    assert not grows_linearly(quadratic, 200)
    assert grows_linearly(lambda n: [abs(i) for i in range(n)], 200)
