"""Ask the org for permission components and wait for the zip."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from apionly_deploy.errors import ContentError, DeployTimeout, RemoteError
from apionly_deploy.model.components import Kind
from apionly_deploy.salesforce.deploy.polling import Clock, Poller, PollPolicy, Sleep
from apionly_deploy.salesforce.metadata_api import MetadataClient, RetrieveResult

RETRIEVABLE = (
    Kind.PROFILE,
    Kind.PERMISSION_SET,
    Kind.MUTING_PERMISSION_SET,
    Kind.PERMISSION_SET_GROUP,
)
#: Salesforce returns only the profile entries about components in the same retrieve, so a
#: profile retrieve brings these along (their own files are not kept). Each takes ``*``.
PROFILE_COMPANIONS = (
    "ApexClass",
    "ApexPage",
    "CustomApplication",
    "CustomPermission",
    "CustomTab",
    "ExternalDataSource",
    "Flow",
    "Layout",
)


def profile_companions(client: MetadataClient) -> dict[str, list[str]]:
    """Return the members that make a retrieved profile complete: every object (custom
    settings and metadata types among them) and record type by name, since ``*`` misses
    standard objects and record types take no wildcard; then classes, pages, apps, custom
    permissions, tabs, external data sources, flows and layouts by ``*``."""
    listed = client.list_metadata([("CustomObject", None), ("RecordType", None)])
    objects = sorted({p.full_name for p in listed if p.type == "CustomObject"})
    record_types = sorted({p.full_name for p in listed if p.type == "RecordType"})
    members = {name: ["*"] for name in PROFILE_COMPANIONS}
    members["CustomObject"] = objects or ["*"]
    if record_types:
        members["RecordType"] = record_types
    return members


@dataclass(frozen=True, slots=True)
class Selection:
    """What to retrieve: names per kind; an empty selection with ``everything`` means all."""

    names: Mapping[Kind, Sequence[str]]
    everything: bool = False

    def members(self) -> dict[str, list[str]]:
        """Return ``{MetadataType: [member, ...]}`` for the retrieve request."""
        if self.everything:
            return {kind.value: ["*"] for kind in RETRIEVABLE}
        return {kind.value: sorted(set(n)) for kind, n in self.names.items() if n}


def retrieve(
    client: MetadataClient,
    selection: Selection,
    *,
    timeout: float,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    policy: PollPolicy | None = None,
    relogin: Callable[[], MetadataClient] | None = None,
) -> RetrieveResult:
    """Start a retrieve and poll until its zip is ready; raise on a failed retrieve."""
    members = selection.members()
    if not members:
        raise ContentError("nothing to retrieve: name components or ask for everything")
    policy = policy or PollPolicy()
    poller = Poller(
        client, deadline=clock() + timeout, policy=policy, sleep=sleep, clock=clock, relogin=relogin
    )
    if Kind.PROFILE.value in members:
        members = {**poller.call(profile_companions), **members}
    job = poller.client.retrieve(members)  # not resent: a second retrieve is a second job
    interval = policy.initial
    while True:
        result = poller.call(lambda c: c.check_retrieve_status(job.id, include_zip=True))
        if result.done:
            break
        if clock() >= poller.deadline:
            raise DeployTimeout(f"retrieve {job.id} did not finish in time")
        poller.wait(interval)
        interval = policy.next_interval(interval)
    if not result.success or result.zip_file is None:
        reason = result.error_message or "; ".join(m.problem for m in result.messages) or "failed"
        raise RemoteError(f"retrieve {job.id} failed: {reason}")
    return result
