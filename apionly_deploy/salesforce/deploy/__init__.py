"""Deploy a package to one org or many, follow it to the end, and remember the job.

``payload`` checks what is uploaded, ``connection`` logs in, ``polling`` follows a job
(``wait_for_deploy``), ``jobs`` keeps ``.apionly/deploys.json``, ``runner`` has the verbs.
"""

from __future__ import annotations

from apionly_deploy.salesforce.deploy.connection import Connection, connect
from apionly_deploy.salesforce.deploy.jobs import Job, JobStore
from apionly_deploy.salesforce.deploy.payload import (
    Payload,
    check_zip,
    from_metadata_dir,
    from_project,
    from_zip_file,
)
from apionly_deploy.salesforce.deploy.polling import Poller, PollPolicy, follow, wait_for_deploy
from apionly_deploy.salesforce.deploy.runner import (
    DEFAULT_WAIT,
    Hooks,
    Outcome,
    Plan,
    TargetRun,
    Verb,
    overall_exit_code,
    resume_command,
    run_target,
    run_targets,
)

__all__ = [
    "DEFAULT_WAIT",
    "Connection",
    "Hooks",
    "Job",
    "JobStore",
    "Outcome",
    "Payload",
    "Plan",
    "PollPolicy",
    "Poller",
    "TargetRun",
    "Verb",
    "check_zip",
    "connect",
    "follow",
    "from_metadata_dir",
    "from_project",
    "from_zip_file",
    "overall_exit_code",
    "resume_command",
    "run_target",
    "run_targets",
    "wait_for_deploy",
]
