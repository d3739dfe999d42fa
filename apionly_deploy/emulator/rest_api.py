"""Versioned REST resources: resource list, query, sobjects, describe, Metadata REST deploys."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from apionly_deploy.emulator import rest_deploy, sobjects, soql, users
from apionly_deploy.emulator.http import Request, Response, json_response, rest_error
from apionly_deploy.emulator.org import InvalidSession, Org
from apionly_deploy.emulator.store import Session, Store


class RecordView(dict[str, Any]):
    """A record whose lookups (``Profile``, ``Assignee``...) resolve on first access."""

    def __init__(self, store: Store, sobject: str, fields: dict[str, Any]) -> None:
        super().__init__(fields)
        self.store = store
        self.sobject = sobject

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        target_id = super().get(key + "Id")
        if isinstance(target_id, str) and target_id:
            found = self.store.get_record(target_id)
            if found:
                return RecordView(self.store, found[0], found[1])
        if key.startswith("Permissions") and self.sobject in sobjects.WITH_PERMISSIONS:
            return False
        return default


def handle(org: Org, request: Request, version: str, rest: str) -> Response:
    """Answer /services/data/vNN.0/<rest>."""
    try:
        session = org.authenticate(request.bearer())
    except InvalidSession:
        return rest_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
    parts = rest.split("/") if rest else []
    if parts and parts[0] == "tooling":
        parts = parts[1:]
    if not parts:
        return json_response(200, _resources(version))
    head = parts[0]
    if head in ("query", "queryAll") and len(parts) == 1:
        if (request.param("columns") or "").lower() == "true":
            return query_columns(request.param("q") or "")
        return query(org, request.param("q") or "", version)
    if head == "sobjects":
        return _sobjects(org, request, version, parts[1:], session)
    if head == "metadata" and len(parts) >= 2 and parts[1] == "deployRequest":
        return rest_deploy.handle(org, request, parts[2:], session)
    if head == "limits":
        return json_response(200, {"DailyApiRequests": {"Max": 100000, "Remaining": 99000}})
    return rest_error(404, "NOT_FOUND", "The requested resource does not exist")


def _resources(version: str) -> dict[str, str]:
    base = f"/services/data/v{version}"
    names = ("sobjects", "query", "queryAll", "limits", "metadata", "tooling", "composite")
    return {name: f"{base}/{name}" for name in names}


def query(org: Org, text: str, version: str) -> Response:
    try:
        parsed = soql.parse(text)
    except soql.SoqlError as exc:
        return rest_error(400, exc.code, exc.message)
    rows = [RecordView(org.store, parsed.sobject, r) for r in org.store.records(parsed.sobject)]
    if parsed.where is not None:
        rows = [r for r in rows if parsed.where(r)]
    for path, descending in reversed(parsed.order):
        rows.sort(key=_sorter(path), reverse=descending)
    rows = rows[parsed.offset :]
    if parsed.limit is not None:
        rows = rows[: parsed.limit]
    if parsed.count:
        return json_response(200, {"totalSize": len(rows), "done": True, "records": []})
    records = [_project(r, parsed.fields, version) for r in rows]
    return json_response(200, {"totalSize": len(records), "done": True, "records": records})


def query_columns(text: str) -> Response:
    """Answer ``query?columns=true``: the columns a query selects, without running it (the
    Salesforce CLI's ``data query`` asks for them first)."""
    try:
        parsed = soql.parse(text)
    except soql.SoqlError as exc:
        return rest_error(400, exc.code, exc.message)
    tree: dict[str, Any] = {}
    for path in parsed.fields:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return json_response(
        200,
        {
            "columnMetadata": _columns(tree),
            "entityName": parsed.sobject,
            "groupBy": False,
            "idSelected": "Id" in parsed.fields,
            "keyPrefix": None,
        },
    )


def _columns(tree: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "aggregate": False,
            "apexType": None,
            "booleanType": False,
            "columnName": name,
            "custom": name.endswith("__c"),
            "displayName": name,
            "foreignKeyName": None,
            "insertable": False,
            "joinColumns": _columns(children),
            "numberType": False,
            "textType": not children,
            "updatable": False,
        }
        for name, children in tree.items()
    ]


def _sorter(path: str) -> Callable[[RecordView], tuple[int, Any]]:
    return lambda record: _sort_key(soql.value_at(record, path))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    return (1, value.lower() if isinstance(value, str) else value)


def _attributes(sobject: str, record_id: Any, version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}


def _project(record: RecordView, fields: list[str], version: str) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": _attributes(record.sobject, record.get("Id"), version)}
    for path in fields:
        _put(out, record, path.split("."), version)
    return out


def _put(out: dict[str, Any], record: RecordView, parts: list[str], version: str) -> None:
    head = parts[0]
    if len(parts) == 1:
        out[head] = record.get(head)
        return
    target = record.get(head)
    if not isinstance(target, RecordView):
        out[head] = None
        return
    nested = out.get(head)
    if not isinstance(nested, dict):
        nested = {"attributes": _attributes(target.sobject, target.get("Id"), version)}
        out[head] = nested
    _put(nested, target, parts[1:], version)


def _sobjects(
    org: Org, request: Request, version: str, parts: list[str], session: Session
) -> Response:
    if not parts:
        return json_response(
            200,
            {
                "encoding": "UTF-8",
                "maxBatchSize": 200,
                "sobjects": [
                    {
                        "name": name,
                        "label": name,
                        "queryable": True,
                        "createable": name in users.CREATABLE,
                        "urls": {"sobject": f"/services/data/v{version}/sobjects/{name}"},
                    }
                    for name in sobjects.FIELDS
                ],
            },
        )
    sobject = sobjects.canonical_object(parts[0])
    if sobject is None:
        return rest_error(404, "NOT_FOUND", "The requested resource does not exist")
    if len(parts) == 2 and parts[1] == "describe":
        return json_response(200, describe(sobject))
    if len(parts) == 1 and request.method == "POST":
        return users.create(org, sobject, _json(request), session)
    if len(parts) == 2:
        record_id = parts[1]
        if request.method == "GET":
            return _get_record(org, sobject, record_id, request, version)
        if request.method == "PATCH":
            return users.update(org, sobject, record_id, _json(request))
        if request.method == "DELETE":
            return users.delete(org, sobject, record_id)
    return rest_error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{request.method}' not allowed.")


def _json(request: Request) -> Any:
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return None


def _get_record(org: Org, sobject: str, record_id: str, request: Request, version: str) -> Response:
    found = org.store.get_record(record_id)
    if found is None or found[0] != sobject:
        return rest_error(404, "NOT_FOUND", "The requested resource does not exist")
    record = RecordView(org.store, sobject, found[1])
    wanted = request.param("fields")
    names = (
        [sobjects.canonical_field(sobject, f.strip()) or f.strip() for f in wanted.split(",")]
        if wanted
        else list(sobjects.all_fields(sobject))
    )
    return json_response(200, _project(record, [n for n in names if n], version))


def describe(sobject: str) -> dict[str, Any]:
    """Return a describe result: the object's fields with their types."""
    from apionly_deploy.check import knowledge

    names = list(sobjects.all_fields(sobject))
    if sobject in sobjects.WITH_PERMISSIONS:
        names += [f"Permissions{name}" for name in sorted(knowledge.known_user_permissions())]
    return {
        "name": sobject,
        "label": sobject,
        "keyPrefix": None,
        "createable": sobject in users.CREATABLE,
        "queryable": True,
        "fields": [_describe_field(sobject, name) for name in names],
    }


def _describe_field(sobject: str, name: str) -> dict[str, Any]:
    boolean = name.startswith(("Is", "Has", "Permissions"))
    kind = (
        "id"
        if name == "Id"
        else "reference"
        if name.endswith("Id")
        else ("boolean" if boolean else "datetime" if name.endswith("Date") else "string")
    )
    return {
        "name": name,
        "label": name,
        "type": kind,
        "nillable": not boolean and name != "Id",
        "createable": name != "Id" and sobject in users.CREATABLE,
        "updateable": name != "Id" and sobject in users.CREATABLE,
    }
