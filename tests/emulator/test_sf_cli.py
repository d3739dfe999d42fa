"""The Salesforce CLI (sf), unchanged, against the local org: login, deploy, report.

Skipped only when sf is not installed (``bash .ci/install-sf-cli`` installs it; CI runs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from apionly_deploy.emulator import EmulatorInfo
from tests.emulator.conftest import package_xml, permission_set

_CANDIDATES = (
    shutil.which("sf"),
    "/opt/apionly-sf-cli/bin/sf",
    str(Path.home() / ".cache/apionly-deploy/sf-cli/bin/sf"),  # resolved before HOME is isolated
)
SF = next((c for c in _CANDIDATES if c and os.access(c, os.X_OK)), None)
if SF is None and os.environ.get("APIONLY_REQUIRE_SF") == "1":  # CI installed it: never skip
    raise RuntimeError("APIONLY_REQUIRE_SF=1 but the Salesforce CLI was not found")
pytestmark = pytest.mark.skipif(
    SF is None, reason="Salesforce CLI not installed (run: bash .ci/install-sf-cli)"
)


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert SF is not None
    return subprocess.run(
        [SF, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def sf_env(emulator: EmulatorInfo, tmp_path: Path) -> dict[str, str]:
    assert SF is not None
    emulator.configure(deploy_polls=1)  # sf polls once a second: keep the runs short
    home = tmp_path / "sf-home"
    home.mkdir()
    env = {
        "PATH": f"{Path(SF).parent}:{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "SF_DISABLE_TELEMETRY": "true",
        "SF_AUTOUPDATE_DISABLE": "true",
        "SF_SKIP_NEW_VERSION_CHECK": "true",
        "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",
        "NODE_EXTRA_CA_CERTS": str(emulator.ca_cert),
        "SF_ACCESS_TOKEN": emulator.access_token,
    }
    login = _run(
        [
            "org",
            "login",
            "access-token",
            "--instance-url",
            emulator.instance_url,
            "--no-prompt",
            "--alias",
            "local",
            "--json",
        ],
        env,
        tmp_path,
    )
    assert login.returncode == 0, login.stdout + login.stderr
    assert json.loads(login.stdout)["result"]["orgId"] == emulator.org_id
    return env


def _metadata_dir(root: Path, xml: bytes) -> Path:
    folder = root / "md"
    (folder / "permissionsets").mkdir(parents=True)
    (folder / "package.xml").write_bytes(package_xml(("PermissionSet", ["ERP_Integration"])))
    (folder / "permissionsets/ERP_Integration.permissionset").write_bytes(xml)
    return folder


def test_sf_deploy_start_succeeds_and_deploy_report_reads_it(
    emulator: EmulatorInfo, sf_env: dict[str, str], tmp_path: Path
) -> None:
    _metadata_dir(tmp_path, permission_set("ApiEnabled"))
    deploy = _run(
        [
            "project",
            "deploy",
            "start",
            "--metadata-dir",
            "md",
            "-o",
            "local",
            "--wait",
            "2",
            "--json",
        ],
        sf_env,
        tmp_path,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    result = json.loads(deploy.stdout)["result"]
    assert (result["status"], result["numberComponentsDeployed"]) == ("Succeeded", 1)
    report = _run(
        ["project", "deploy", "report", "--job-id", result["id"], "-o", "local", "--json"],
        sf_env,
        tmp_path,
    )
    assert report.returncode == 0, report.stdout + report.stderr
    assert json.loads(report.stdout)["result"]["status"] == "Succeeded"
    assert emulator.org.store.get_component("PermissionSet", "ERP_Integration") is not None


def test_sf_deploy_failure_shows_component_failures(
    emulator: EmulatorInfo, sf_env: dict[str, str], tmp_path: Path
) -> None:
    _metadata_dir(tmp_path, permission_set("ApiEnabled", "NotAPermission"))
    deploy = _run(
        ["project", "deploy", "start", "--metadata-dir", "md", "-o", "local", "--wait", "2"],
        sf_env,
        tmp_path,
    )
    assert deploy.returncode == 1
    assert "Component Failures [1]" in deploy.stdout
    assert "Unknown user permission: NotAPermission" in deploy.stdout
    assert emulator.org.store.get_component("PermissionSet", "ERP_Integration") is None


def test_sf_deploy_over_the_metadata_rest_api(
    emulator: EmulatorInfo, sf_env: dict[str, str], tmp_path: Path
) -> None:
    _metadata_dir(tmp_path, permission_set("ApiEnabled"))
    env = {**sf_env, "SF_ORG_METADATA_REST_DEPLOY": "true"}
    deploy = _run(
        [
            "project",
            "deploy",
            "start",
            "--metadata-dir",
            "md",
            "-o",
            "local",
            "--wait",
            "2",
            "--json",
        ],
        env,
        tmp_path,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert json.loads(deploy.stdout)["result"]["status"] == "Succeeded"
    assert emulator.requests.count("deployRequest") >= 2


def _sfdx_project(root: Path) -> Path:
    project = root / "proj"
    (project / "force-app").mkdir(parents=True)
    (project / "sfdx-project.json").write_text(
        json.dumps(
            {
                "packageDirectories": [{"path": "force-app", "default": True}],
                "sourceApiVersion": "62.0",
            }
        )
    )
    return project


def test_sf_project_retrieve_start_brings_sets_and_profiles_into_an_sfdx_project(
    emulator: EmulatorInfo, sf_env: dict[str, str], tmp_path: Path
) -> None:
    """sf sends its retrieve as <request> (jsforce's name), which real orgs accept."""
    _metadata_dir(tmp_path, permission_set("ApiEnabled"))
    deploy = _run(
        ["project", "deploy", "start", "--metadata-dir", "md", "-o", "local", "--wait", "2"],
        sf_env,
        tmp_path,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    project = _sfdx_project(tmp_path)
    retrieve = _run(
        [
            "project",
            "retrieve",
            "start",
            "--metadata",
            "PermissionSet:ERP_Integration",
            "--metadata",
            "Profile:Admin",
            "-o",
            "local",
            "--json",
        ],
        sf_env,
        project,
    )
    assert retrieve.returncode == 0, retrieve.stdout + retrieve.stderr
    base = project / "force-app/main/default"
    assert (base / "permissionsets/ERP_Integration.permissionset-meta.xml").is_file()
    assert (base / "profiles/Admin.profile-meta.xml").is_file()


def test_sf_data_query_and_org_list_metadata(
    emulator: EmulatorInfo, sf_env: dict[str, str], tmp_path: Path
) -> None:
    """sf data query asks for the query's columns first (query?columns=true)."""
    query = _run(
        ["data", "query", "--query", "SELECT Id, Name FROM Profile", "-o", "local", "--json"],
        sf_env,
        tmp_path,
    )
    assert query.returncode == 0, query.stdout + query.stderr
    names = {r["Name"] for r in json.loads(query.stdout)["result"]["records"]}
    assert {"System Administrator", "Read Only"} <= names
    listed = _run(
        ["org", "list", "metadata", "--metadata-type", "CustomObject", "-o", "local", "--json"],
        sf_env,
        tmp_path,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "Account" in {r["fullName"] for r in json.loads(listed.stdout)["result"]}
