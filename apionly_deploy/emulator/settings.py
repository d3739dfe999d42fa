"""How an emulated org behaves: API version, deploy timing, limits, clocks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class EmulatorSettings:
    """Knobs for one emulator; tests replace them with ``dataclasses.replace``.

    A deploy finishes on its ``deploy_polls``-th checkDeployStatus call, or ``deploy_seconds``
    after it was queued, whichever comes first; with both None it finishes at once. Component
    counts advance in between, like a real org's progress.
    """

    api_version: str = "62.0"
    org_name: str = "Local Org"
    sandbox: bool = False
    #: SOAP login() is off by default in new orgs from Winter '26; on here for older clients.
    soap_login: bool = True
    deploy_polls: int | None = 2
    deploy_seconds: float | None = None
    never_finish: bool = False
    #: Seconds a session stays valid after it is issued (Salesforce's default is two hours).
    session_seconds: float = 7200.0
    #: A validation can be quick-deployed for this long (Salesforce: 10 days).
    validation_seconds: float = 10 * 24 * 3600.0
    #: Salesforce's limits on a deploy: ~39 MB zip (the 50 MB SOAP cap, base64), 600 MB
    #: unzipped, 10,000 files.
    max_zip_bytes: int = 39 * MB
    max_unzipped_bytes: int = 600 * MB
    max_files: int = 10_000
    max_request_bytes: int = 50 * MB + 512 * 1024
    clock: Callable[[], float] = field(default=time.time, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    @property
    def api_major(self) -> int:
        """Return the org's highest API version as an integer (62 for "62.0")."""
        return int(float(self.api_version))
