"""Execute one deploy against the org: check every component, then apply all or nothing.

Salesforce's rules: a PermissionSet deploy replaces the whole set, a Profile deploy patches it,
checkOnly changes nothing, and with rollbackOnError one failure keeps every change out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from apionly_deploy.emulator import checks, components, facts, packages, records, references
from apionly_deploy.emulator.packages import Member
from apionly_deploy.emulator.results import DeployMessage, Outcome
from apionly_deploy.emulator.store import Store, StoredComponent
from apionly_deploy.errors import XmlError
from apionly_deploy.model import merge, parse
from apionly_deploy.model.components import Component, Kind, PermissionContainer
from apionly_deploy.model.xmldoc import parse_bytes


@dataclass(frozen=True, slots=True)
class DeployOptions:
    check_only: bool = False
    rollback_on_error: bool = True
    ignore_warnings: bool = False
    allow_missing_files: bool = False
    single_package: bool = True
    purge_on_delete: bool = False
    test_level: str | None = None
    run_tests: tuple[str, ...] = ()


@dataclass
class _Run:
    """The state of one execution: messages so far and the writes waiting to be applied."""

    store: Store
    files: dict[str, bytes]
    options: DeployOptions
    now: float
    successes: list[DeployMessage] = field(default_factory=list)
    failures: list[DeployMessage] = field(default_factory=list)
    writes: list[Callable[[], None]] = field(default_factory=list)
    new_sets: set[str] = field(default_factory=set)
    #: Companion components this run deploys, by metadata type (see checks.OrgFacts).
    new_components: dict[str, set[str]] = field(default_factory=dict)
    total: int = 0
    #: What the org held before this run (its writes wait until the end): read once per run.
    stored: checks.OrgFacts | None = None

    def message(
        self,
        member: Member,
        *,
        success: bool,
        created: bool = False,
        changed: bool = False,
        deleted: bool = False,
        record_id: str | None = None,
        problem: checks.Problem | None = None,
        problem_type: str | None = None,
    ) -> None:
        entry = DeployMessage(
            changed=changed,
            component_type=member.type,
            created=created,
            created_date=self.now,
            deleted=deleted,
            file_name=member.path,
            full_name=member.full_name,
            success=success,
            id=record_id,
            line_number=problem.line if problem and problem.line else None,
            column_number=problem.column if problem and problem.line else None,
            problem=problem.message if problem else None,
            problem_type=problem_type or ("Error" if not success else None),
        )
        (self.successes if success else self.failures).append(entry)


def execute(store: Store, files: dict[str, bytes], options: DeployOptions, now: float) -> Outcome:
    """Check and (unless checkOnly or rolled back) apply a deploy; return what happened."""
    run = _Run(store=store, files=files, options=options, now=now)
    roots = packages.package_roots(files)
    if not roots or (options.single_package and roots != [""]):
        missing = Member("", "package.xml", "package.xml")
        run.message(missing, success=False, problem=checks.Problem("No package.xml found"))
        return Outcome(status="Failed", failures=tuple(run.failures))
    members: list[Member] = []
    deletions: list[Member] = []
    for root in roots:
        members += _manifest_members(run, root)
        deletions += _destructive_members(run, root)
    run.total = len(members) + len(deletions)
    # What permission files name goes first, so a set may name a class deployed beside it.
    for member in (m for m in members if m.type == "CustomObject"):
        _deploy_member(run, member)
    for member in members:
        if member.type not in ("CustomObject", *packages.PERMISSION_ORDER):
            _deploy_raw(run, member)
    for type_name in packages.PERMISSION_ORDER:
        for member in (m for m in members if m.type == type_name):
            _deploy_member(run, member)
    for member in deletions:
        _delete_member(run, member)
    return _finish(run)


def _finish(run: _Run) -> Outcome:
    errors = [f for f in run.failures if f.component_type]
    deployed = len([s for s in run.successes if s.component_type])
    failed = bool(run.failures)
    apply = not run.options.check_only and (not failed or not run.options.rollback_on_error)
    if apply:
        with run.store.transaction():
            for write in run.writes:
                write()
    if not failed:
        status = "Succeeded"
    elif apply and deployed:
        status = "SucceededPartial"
    else:
        status = "Failed"
    return Outcome(
        status=status,
        successes=tuple(run.successes),
        failures=tuple(run.failures),
        components_total=run.total,
        components_deployed=deployed,
        component_errors=len(errors),
    )


def _manifest_members(run: _Run, root: str) -> list[Member]:
    package_member = Member("", "package.xml", f"{root}package.xml")
    try:
        manifest = packages.read_manifest(run.files, root)
    except XmlError as exc:
        run.message(package_member, success=False, problem=_parse_problem(exc))
        return []
    run.message(package_member, success=True, changed=True)
    found: list[Member] = []
    for type_name, names_ in manifest.types:
        if type_name in packages.CHILD_TYPES:
            continue
        if type_name not in packages.TYPE_FOLDERS:
            problem = checks.Problem(f"Unknown type name '{type_name}' specified in package.xml")
            run.message(Member("", type_name, package_member.path), success=False, problem=problem)
            continue
        available = packages.files_of_type(run.files, root, type_name)
        for name in names_:
            if name == "*":
                found += [Member(type_name, n, p) for n, p in sorted(available.items())]
            elif name in available:
                found.append(Member(type_name, name, available[name]))
            elif not run.options.allow_missing_files:
                problem = checks.Problem(
                    f"An object '{name}' of type {type_name} was named in package.xml, "
                    "but was not found in zipped directory"
                )
                run.message(
                    Member(type_name, name, package_member.path), success=False, problem=problem
                )
    return list(dict.fromkeys(found))


def _destructive_members(run: _Run, root: str) -> list[Member]:
    found: list[Member] = []
    for file_name in packages.DESTRUCTIVE:
        if root + file_name not in run.files:
            continue
        try:
            manifest = packages.read_manifest(run.files, root, file_name)
        except XmlError as exc:
            member = Member("", file_name, root + file_name)
            run.message(member, success=False, problem=_parse_problem(exc))
            continue
        for type_name, names_ in manifest.types:
            for name in names_:
                found.append(Member(type_name, name, root + file_name))
    return found


def _parse_problem(exc: XmlError) -> checks.Problem:
    if not exc.line:
        return checks.Problem(f"Error parsing file: {exc}")
    problem = exc.problem.removeprefix("malformed XML: ")
    return checks.Problem(f"Error parsing file: {problem}", exc.line, exc.column)


def _facts(run: _Run) -> checks.OrgFacts:
    stored = run.stored = run.stored or facts.stored_facts(run.store)
    if not (run.new_sets or run.new_components):
        return stored
    known = dict(stored.components)
    for type_name, names in run.new_components.items():
        known[type_name] = known.get(type_name, frozenset()) | names
    return dataclasses.replace(
        stored,
        custom_objects=known.get("CustomObject", frozenset()),
        custom_fields=known.get("CustomField", frozenset()),
        permission_sets=stored.permission_sets | run.new_sets,
        components=known,
    )


def _deploy_member(run: _Run, member: Member) -> None:
    data = run.files[member.path]
    if member.type == "CustomObject":
        _deploy_object(run, member, data)
        return
    try:
        component = parse.parse_component_bytes(data, name=member.full_name, source=member.path)
    except XmlError as exc:
        run.message(member, success=False, problem=_parse_problem(exc))
        return
    if component.kind.value != member.type:
        problem = checks.Problem(
            f"The file holds a {component.kind.value}, not a {member.type}", 1, 1
        )
        run.message(member, success=False, problem=problem)
        return
    existing = run.store.get_component(member.type, member.full_name)
    before = components.load(existing) if existing is not None else None
    effective = merge.deployed(before, component)
    found = _check(run, component, effective, data)
    errors = [p for p in found if not p.warning]
    if errors:
        for problem in errors:
            run.message(member, success=False, problem=problem)
        return
    if member.type in ("PermissionSet", "MutingPermissionSet"):
        run.new_sets.add(member.full_name)
    warnings = [p for p in found if p.warning]
    _stage(run, member, effective, existing, warning=warnings[0] if warnings else None)


def _check(
    run: _Run, component: Component, effective: Component, data: bytes
) -> list[checks.Problem]:
    facts = _facts(run)
    if isinstance(component, PermissionContainer):
        assert isinstance(effective, PermissionContainer)  # noqa: S101 - same kind as component
        problems = checks.check_container(component, effective, data, facts)
        return problems + references.missing_references(component, data, facts.components)
    return checks.check_group(component, data, facts)


def _stage(
    run: _Run,
    member: Member,
    effective: Component,
    existing: StoredComponent | None,
    *,
    warning: checks.Problem | None = None,
) -> None:
    xml = components.stored_xml(effective)
    changed = existing is not None and existing.xml != xml
    record = _record_id(run.store, effective)
    run.message(
        member,
        success=True,
        created=existing is None,
        changed=changed,
        record_id=record,
        problem=warning,
        problem_type="Warning" if warning else None,
    )
    store, now = run.store, run.now

    def write() -> None:
        record_id = records.sync_component(store, effective, patch=False)
        store.put_component(
            StoredComponent(
                type=member.type,
                full_name=member.full_name,
                file_name=packages.mdapi_file_name(member.type, member.full_name),
                xml=xml,
                id=record_id,
                created=existing.created if existing else now,
                modified=now,
            )
        )

    run.writes.append(write)


def _record_id(store: Store, component: Component) -> str | None:
    if component.kind is Kind.PROFILE:
        found = store.find_record("Profile", Name=records.profile_display_name(component.name))
    elif component.kind is Kind.PERMISSION_SET_GROUP:
        found = store.find_record("PermissionSetGroup", DeveloperName=component.name)
    else:
        found = store.find_record("PermissionSet", Name=component.name, IsOwnedByProfile=False)
    return str(found["Id"]) if found else None


def _deploy_object(run: _Run, member: Member, data: bytes) -> None:
    try:
        parse_bytes(data, source=member.path)
    except XmlError as exc:
        run.message(member, success=False, problem=_parse_problem(exc))
        return
    _deploy_raw(run, member)  # its fields and record types count from here on


def _deploy_raw(run: _Run, member: Member) -> None:
    data = run.files[member.path]
    for type_name, name in facts.companion_names(member.type, member.full_name, data):
        run.new_components.setdefault(type_name, set()).add(name)
    existing = run.store.get_component(member.type, member.full_name)
    run.message(
        member,
        success=True,
        created=existing is None,
        changed=existing is not None and existing.xml != data,
    )
    store, now = run.store, run.now

    def write() -> None:
        store.put_component(
            StoredComponent(
                type=member.type,
                full_name=member.full_name,
                file_name=packages.mdapi_file_name(member.type, member.full_name),
                xml=data,
                id=existing.id if existing else store.new_id("Component"),
                created=existing.created if existing else now,
                modified=now,
            )
        )

    run.writes.append(write)


def _delete_member(run: _Run, member: Member) -> None:
    existing = run.store.get_component(member.type, member.full_name)
    if existing is None:
        problem = checks.Problem(f"No {member.type} named: {member.full_name} found")
        run.message(member, success=True, problem=problem, problem_type="Warning")
        return
    if member.type == "Profile" and member.full_name in records.STANDARD_PROFILE_NAMES:
        problem = checks.Problem(f"Cannot delete the standard profile {member.full_name}")
        run.message(member, success=False, problem=problem)
        return
    run.message(member, success=True, deleted=True, record_id=existing.id)
    store = run.store

    def write() -> None:
        store.delete_component(member.type, member.full_name)
        if member.type in {k.value for k in Kind}:
            records.remove_component(store, Kind(member.type), member.full_name)

    run.writes.append(write)
