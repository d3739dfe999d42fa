"""The local org: a Salesforce org in a box that speaks OAuth, SOAP and REST over HTTPS.

``running_emulator()`` runs one in process for tests; ``local_org(project)`` is the
``-o local`` target; ``apionly-deploy emulator`` serves one from the command line.
"""

from apionly_deploy.emulator.api import (
    Emulator,
    EmulatorInfo,
    local_org,
    running_emulator,
    write_info_file,
)
from apionly_deploy.emulator.faults import FaultPlan, FaultRule
from apionly_deploy.emulator.settings import EmulatorSettings

__all__ = [
    "Emulator",
    "EmulatorInfo",
    "EmulatorSettings",
    "FaultPlan",
    "FaultRule",
    "local_org",
    "running_emulator",
    "write_info_file",
]
