"""Deploy outcomes for CI systems: JUnit XML and GitHub Actions annotations and summary (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from apionly_deploy.model.text import one_line, safe_lines
from apionly_deploy.report.deploy import rolled_back
from apionly_deploy.report.locations import Locate, plain_location, position
from apionly_deploy.salesforce.deploy.runner import Outcome
from apionly_deploy.salesforce.metadata_api import DeployStatus

# --- JUnit ----------------------------------------------------------------------------------


def junit_report(outcomes: Sequence[Outcome], *, locate: Locate | None = None) -> bytes:
    """Return JUnit XML: a suite per target, a case per component and per Apex test method."""
    locate = locate or plain_location()
    suites = etree.Element("testsuites", name="apionly-deploy")
    totals = [0, 0, 0]
    for outcome in outcomes:
        suite = etree.SubElement(suites, "testsuite", name=f"deploy {outcome.org}")
        counts = _fill_suite(suite, outcome, locate)
        for i, value in enumerate(counts):
            totals[i] += value
        suite.set("tests", str(counts[0]))
        suite.set("failures", str(counts[1]))
        suite.set("errors", str(counts[2]))
    suites.set("tests", str(totals[0]))
    suites.set("failures", str(totals[1]))
    suites.set("errors", str(totals[2]))
    return etree.tostring(suites, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _fill_suite(suite: etree._Element, outcome: Outcome, locate: Locate) -> tuple[int, int, int]:
    result = outcome.result
    if outcome.error is not None or result is None:
        case = etree.SubElement(suite, "testcase", classname="deploy", name=outcome.org)
        if outcome.error is not None:
            etree.SubElement(case, "error", message=str(outcome.error))
            return 1, 0, 1
        return 1, 0, 0
    tests = failures = 0
    back = result.status is DeployStatus.FAILED and rolled_back(result)
    for message in (*result.component_failures, *result.component_successes):
        if message.success and message.full_name == "package.xml":
            continue
        path, _, _ = locate(message)
        case = etree.SubElement(
            suite,
            "testcase",
            classname=message.component_type or "Metadata",
            name=message.full_name,
            file=path,
        )
        tests += 1
        if not message.success and (message.problem_type or "Error") == "Error":
            failure = etree.SubElement(
                case,
                "failure",
                message=message.problem or "failed",
                type=message.problem_type or "Error",
            )
            failure.text = f"{position(message, locate)}  {message.problem}"
            failures += 1
        elif message.success and back:
            message_text = "not deployed: the org rolled the whole deploy back"
            etree.SubElement(case, "skipped", message=message_text)
    if result.test_result is not None:
        for success in result.test_result.successes:
            etree.SubElement(
                suite,
                "testcase",
                classname=success.name,
                name=success.method_name,
                time=f"{success.time / 1000:.3f}",
            )
            tests += 1
        for test_failure in result.test_result.failures:
            case = etree.SubElement(
                suite,
                "testcase",
                classname=test_failure.name,
                name=test_failure.method_name,
                time=f"{test_failure.time / 1000:.3f}",
            )
            failure = etree.SubElement(case, "failure", message=test_failure.message)
            failure.text = test_failure.stack_trace or test_failure.message
            tests += 1
            failures += 1
    if result.status is DeployStatus.CANCELED or (not result.success and not failures):
        case = etree.SubElement(suite, "testcase", classname="deploy", name=result.id)
        etree.SubElement(case, "failure", message=f"deploy {result.status}")
        tests += 1
        failures += 1
    return tests, failures, 0


# --- GitHub Actions -------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    text = safe_lines(text)  # no terminal escapes in the log; newlines become %0A below
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(outcomes: Sequence[Outcome], *, locate: Locate | None = None) -> str:
    """Return workflow commands: one ``::error`` / ``::warning`` per problem."""
    locate = locate or plain_location()
    lines = []
    for outcome in outcomes:
        title = _escape_property(f"Deploy to {outcome.org}")
        if outcome.error is not None:
            lines.append(f"::error title={title}::{_escape_data(str(outcome.error))}")
            continue
        result = outcome.result
        for message in result.component_failures if result is not None else ():
            level = "warning" if message.problem_type in ("Warning", "Info") else "error"
            path, line, column = locate(message)
            props = [f"file={_escape_property(path)}"]
            if line is not None:
                props += [f"line={line}", f"col={column or 1}"]
            text = _escape_data(f"{message.problem} [{message.component_type} {message.full_name}]")
            lines.append(f"::{level} {','.join(props)},title={title}::{text}")
        tests = result.test_result if result is not None else None
        for failure in tests.failures if tests is not None else ():
            name = f"{failure.name}.{failure.method_name}"
            lines.append(f"::error title={title}::{_escape_data(f'{name}: {failure.message}')}")
    return "\n".join(lines)


def github_summary(outcomes: Sequence[Outcome]) -> str:
    """Return the Markdown job summary: a table of targets, then each failure."""
    lines = [
        "### apionly-deploy",
        "",
        "| Org | Status | Components | Errors | Tests | Job |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        r = o.result
        if r is None:
            status = f"error: {o.error}" if o.error else "started"
            lines.append(f"| {o.org} | {_md(status)} | | | | {o.job_id or ''} |")
            continue
        icon = "✅" if r.success else "❌"
        lines.append(
            f"| {o.org} | {icon} {r.status} | {r.components_deployed}/{r.components_total} | "
            f"{r.component_errors + r.test_errors} | {r.tests_completed}/{r.tests_total} | "
            f"`{r.id}` |"
        )
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return one_line(text.replace("\n", " ")).replace("|", "\\|")
