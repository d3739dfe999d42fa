"""A hostile org on 127.0.0.1: redirects, trickled answers, huge answers, crafted page URLs.

Each test would pass credentials to another host, hang, or eat memory on a client that trusts
the server; here every one ends in one error line and an exit code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from apionly_deploy.errors import RedirectRefused, ResponseTooLarge, ServerError
from apionly_deploy.salesforce import transport
from apionly_deploy.salesforce.metadata_api import Http
from apionly_deploy.salesforce.rest_api import RestClient

from .hostile import Hostile, Reply, Request, deploy_answer, hostile_server, status_answer
from .support import Cli, run_subprocess, write_metadata_dir

SECRET = "s3cr3t-client-secret"
TOKEN = "00Dxx!hostile-test-token"


@pytest.fixture
def elsewhere():
    """A second server: whatever reaches it was sent where the client was told to go."""
    with hostile_server(lambda request: Reply(200, b"{}")) as server:
        yield server


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_metadata_dir(tmp_path / "md", ["Good"])


def token_env(url: str) -> dict[str, str]:
    return {"APIONLY_LOGIN_URL": url, "APIONLY_CLIENT_ID": "id", "APIONLY_CLIENT_SECRET": SECRET}


def session_env(url: str) -> dict[str, str]:
    return {"APIONLY_INSTANCE_URL": url, "APIONLY_ACCESS_TOKEN": TOKEN}


def deploy_args(tmp_path: Path, folder: Path, *extra: str) -> list[str]:
    return [
        "deploy",
        "start",
        "-p",
        str(tmp_path),
        "-o",
        "env",
        "--metadata-dir",
        str(folder),
        *extra,
    ]


def redirect_to(target: str, status: int) -> Reply:
    return Reply(status, b"", {"Location": f"{target}/services/oauth2/token"})


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirected_login_is_refused_and_the_secret_stays_home(
    tmp_path, folder, elsewhere: Hostile, status
):
    with hostile_server(lambda request: redirect_to(elsewhere.url, status)) as login:
        result = Cli(token_env(login.url))(*deploy_args(tmp_path, folder))
    assert result.exit_code == 4, result.output
    assert f"redirecting to {elsewhere.url}" in result.stderr
    assert result.stderr.count("\n") == 1
    assert elsewhere.requests == []
    assert len(login.requests) == 1


@pytest.mark.parametrize("loop", [False, True], ids=["elsewhere", "loop"])
def test_a_redirected_upload_is_sent_once_and_never_elsewhere(
    tmp_path, folder, elsewhere: Hostile, loop
):
    def script(request: Request) -> Reply:
        target = org.url if loop else elsewhere.url
        return Reply(307, b"", {"Location": f"{target}/services/Soap/m/62.0"})

    with hostile_server(script) as org:
        result = Cli(session_env(org.url))(*deploy_args(tmp_path, folder))
    assert result.exit_code == 4, result.output
    assert "redirects are never followed" in result.stderr
    assert org.operations() == ["deploy"]
    assert elsewhere.requests == []


def test_a_redirected_rest_read_is_refused(elsewhere: Hostile):
    def script(request: Request) -> Reply:
        return Reply(302, b"", {"Location": f"{elsewhere.url}/services/data"})

    with hostile_server(script) as org:
        rest = RestClient(Http().session, org.url, TOKEN)
        with pytest.raises(RedirectRefused, match=elsewhere.url):
            rest.query("SELECT Id FROM User")
    assert elsewhere.requests == []


@pytest.mark.parametrize(
    "next_url",
    [
        "@{host}/services/data/v62.0/query/01g-2000",
        "0:{port}/steal",
        "//{host}/steal",
        "{url}/services/data/v62.0/query/01g-2000",
        "http://{host}/x",
    ],
)
def test_next_records_url_must_be_a_path_on_the_same_origin(elsewhere: Hostile, next_url):
    host = elsewhere.url.removeprefix("http://")
    crafted = next_url.format(host=host, port=host.split(":")[1], url=elsewhere.url)

    def script(request: Request) -> Reply:
        done = "true" if len(org.requests) > 50 else "false"  # a trusting client ends at last
        body = f'{{"done": {done}, "records": [], "nextRecordsUrl": "{crafted}"}}'
        return Reply(200, body.encode(), {"Content-Type": "application/json"})

    with hostile_server(script) as org:
        rest = RestClient(Http().session, org.url, TOKEN)
        with pytest.raises(ServerError, match="only a path is followed"):
            rest.query("SELECT Id FROM User")
    assert elsewhere.requests == []


def test_a_page_pointing_at_itself_stops():
    def script(request: Request) -> Reply:
        done = b"true" if len(org.requests) > 50 else b"false"  # a trusting client ends at last
        body = b'{"done": %s, "records": [], "nextRecordsUrl": "/services/x"}' % done
        return Reply(200, body, {"Content-Type": "application/json"})

    with hostile_server(script) as org:
        rest = RestClient(Http().session, org.url, TOKEN)
        with pytest.raises(ServerError, match="kept paging"):
            rest.query("SELECT Id FROM User")
    assert len(org.requests) == 2


def test_a_huge_soap_fault_is_refused_by_its_declared_size(tmp_path, folder):
    """A 200 MB fault used to take 435 MB of memory; the client now stops at the header."""

    def script(request: Request) -> Reply:
        return Reply(500, b"<x>" * 1000, {"Content-Length": str(200 * 1024 * 1024)})

    with hostile_server(script) as org:
        result = Cli(session_env(org.url))(*deploy_args(tmp_path, folder))
    assert result.exit_code == 4, result.output
    assert "sent an answer larger than 100,663,296 bytes" in result.stderr


def test_an_answer_is_read_only_up_to_the_cap_whatever_it_declares(monkeypatch):
    monkeypatch.setattr(transport, "MAX_RESPONSE_BYTES", 1000)

    def script(request: Request) -> Reply:
        body = b'{"done": true, "records": [{"Id": "%s"}]}' % (b"x" * 5000)
        return Reply(200, body, {"Content-Length": "", "Connection": "close"})

    with hostile_server(script) as org:
        rest = RestClient(Http().session, org.url, TOKEN)
        with pytest.raises(ResponseTooLarge, match="larger than 1,000 bytes"):
            rest.query("SELECT Id FROM User")


@pytest.mark.parametrize("where", ["body", "headers"])
def test_wait_bounds_the_whole_command_against_a_trickling_server(tmp_path, folder, where):
    """One byte every 50 ms keeps a 300 s read timeout alive forever; --wait still ends it."""

    def script(request: Request) -> Reply:
        if request.operation == "deploy":
            return Reply(200, deploy_answer())
        return Reply(
            200, status_answer(), trickle=0.05, endless=True, trickle_headers=where == "headers"
        )

    with hostile_server(script) as org:
        done = run_subprocess(
            deploy_args(tmp_path, folder, "--wait", "0.02"), session_env(org.url), timeout=60
        )
    assert done.returncode == 4, done.stderr
    assert "0Af000000000001AAA" in done.stderr
    assert "deploy resume" in done.stderr and "--job-id 0Af000000000001AAA" in done.stderr


INJECTED = "0Af000000000001AAA\n::error file=README.md,line=1::pwned"


def test_an_injected_job_id_never_reaches_the_log_as_a_workflow_command(tmp_path, folder):
    def script(request: Request) -> Reply:
        body = deploy_answer().replace(b"0Af000000000001AAA", INJECTED.encode())
        return Reply(200, body)

    with hostile_server(script) as org:
        env = {**session_env(org.url), "GITHUB_ACTIONS": "true"}
        result = Cli(env)(*deploy_args(tmp_path, folder))
    assert result.exit_code == 4, result.output
    assert "not a Salesforce id" in result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert not [line for line in lines if line.lstrip().startswith("::error file=README")]


def test_an_oauth_error_description_stays_on_one_line(tmp_path, folder):
    def script(request: Request) -> Reply:
        body = b'{"error": "invalid_grant", "error_description": "no\\n::error::x\\u001b[2J"}'
        return Reply(400, body, {"Content-Type": "application/json"})

    with hostile_server(script) as login:
        result = Cli(token_env(login.url))(*deploy_args(tmp_path, folder))
    assert result.exit_code == 3, result.output
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr
    assert "refused: invalid_grant: no\\n::error::x\\x1b[2J" in result.stderr


def test_a_job_id_with_control_characters_is_a_usage_error(tmp_path):
    result = Cli({})(
        "deploy", "report", "-p", str(tmp_path), "-o", "env", "--job-id", "0Af\n::error::x\x1b"
    )
    assert result.exit_code == 2, result.output
    assert "is not a Salesforce id" in result.stderr and "\x1b" not in result.stderr


def test_the_resume_command_quotes_what_it_prints(tmp_path):
    from apionly_deploy.salesforce.deploy.runner import resume_command

    command = resume_command("uat", "0Af000000000001AAA", tmp_path / "my project; rm -rf ~")
    assert command == (
        f"apionly-deploy deploy resume -p '{tmp_path}/my project; rm -rf ~' -o uat "
        "--job-id 0Af000000000001AAA"
    )


SAMPLE = Path(__file__).resolve().parents[2] / "sample-project"
ORGANIZATION = {"Id": "00D000000000001AAA", "Name": "Acme", "OrganizationType": "Developer Edition"}


def json_reply(value: object) -> Reply:
    return Reply(200, json.dumps(value).encode(), {"Content-Type": "application/json"})


def answer_queries_with(rows: list[dict[str, object]]) -> Callable[[Request], Reply]:
    """An org that answers the API version list and the Organization query as Salesforce does,
    and every other query with ``rows``."""

    def script(request: Request) -> Reply:
        if request.path.endswith("/services/data/"):
            return json_reply([{"version": "62.0", "url": "/services/data/v62.0"}])
        organization = "FROM+Organization" in request.path
        records = [{**ORGANIZATION, "IsSandbox": False}] if organization else rows
        return json_reply({"done": True, "totalSize": len(records), "records": records})

    return script


@pytest.mark.parametrize("command", [["users", "plan"], ["doctor"]], ids=" ".join)
@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([{"Name": "Salesforce"}], "malformed UserLicense record (Id: missing)"),
        ([{"Id": 5, "Name": "Salesforce"}], "malformed UserLicense record (Id: 5)"),
        (
            [{"Id": "100000000000001AAA", "Name": ["x"], "TotalLicenses": 1}],
            "malformed UserLicense record (Name: ['x'])",
        ),
    ],
    ids=["no-id", "number-id", "list-name"],
)
def test_a_wrongly_shaped_query_answer_is_one_line_exit_4(command, rows, problem):
    """Rows without an Id or with a list for a name were a KeyError or TypeError traceback."""
    with hostile_server(answer_queries_with(rows)) as org:
        result = Cli(session_env(org.url))(*command, "-p", str(SAMPLE), "-o", "env")
    assert result.exit_code == 4, result.output
    assert result.stderr.count("\n") == 1
    assert problem in result.stderr
