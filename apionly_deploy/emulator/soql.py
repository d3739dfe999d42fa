"""Enough SOQL for users and doctor: SELECT fields (with lookups) FROM one object, WHERE with
AND/OR/NOT, =, !=, <, >, IN, LIKE, ORDER BY, LIMIT, OFFSET, COUNT(). Errors in Salesforce's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from apionly_deploy.emulator import sobjects


class SoqlError(Exception):
    """A query Salesforce would refuse; ``code`` is MALFORMED_QUERY, INVALID_TYPE, INVALID_FIELD."""

    def __init__(self, code: str, message: str, query: str = "", position: int = 0) -> None:
        if query:
            column = position + 1
            message = f"\n{query}\n{' ' * position}^\nERROR at Row:1:Column:{column}\n{message}"
        super().__init__(message)
        self.code = code
        self.message = message


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<op>!=|<>|<=|>=|=|<|>|\(|\)|,)|(?P<word>[A-Za-z_][\w.]*))"
)
_KEYWORDS = frozenset(
    {
        "select",
        "from",
        "where",
        "and",
        "or",
        "not",
        "in",
        "like",
        "order",
        "by",
        "asc",
        "desc",
        "limit",
        "offset",
        "nulls",
        "first",
        "last",
    }
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(query):
        if query[position:].strip() == "":
            break
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            start = position + len(query[position:]) - len(query[position:].lstrip())
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{query[start]}'", query, start)
        kind = match.lastgroup or "word"
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


Predicate = Callable[[dict[str, Any]], bool]


@dataclass
class Query:
    sobject: str
    fields: list[str]
    count: bool
    where: Predicate | None
    order: list[tuple[str, bool]]
    limit: int | None
    offset: int


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = tokenize(query)
        self.index = 0
        self.sobject = ""

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token.kind == "word" and token.text.lower() == word:
            self.index += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            self.fail()

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise SoqlError(
                "MALFORMED_QUERY", "unexpected end of query", self.query, len(self.query)
            )
        self.index += 1
        return token

    def fail(self, token: Token | None = None) -> NoReturn:
        token = token or self.peek()
        if token is None:
            raise SoqlError(
                "MALFORMED_QUERY", "unexpected end of query", self.query, len(self.query)
            )
        raise SoqlError(
            "MALFORMED_QUERY", f"unexpected token: '{token.text}'", self.query, token.position
        )

    def parse(self) -> Query:
        self.expect("select")
        count, field_tokens = self._select_list()
        self.expect("from")
        object_token = self.take()
        sobject = sobjects.canonical_object(object_token.text)
        if sobject is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"sObject type '{object_token.text}' is not supported. If you are attempting to "
                "use a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
                self.query,
                object_token.position,
            )
        self.sobject = sobject
        resolved = [self.field(t) for t in field_tokens]
        where = self._expression() if self.keyword("where") else None
        order = self._order() if self.keyword("order") else []
        limit = int(self.take().text) if self.keyword("limit") else None
        offset = int(self.take().text) if self.keyword("offset") else 0
        if self.peek() is not None:
            self.fail()
        return Query(sobject, resolved if not count else [], count, where, order, limit, offset)

    def _select_list(self) -> tuple[bool, list[Token]]:
        first = self.take()
        if first.text.lower() == "count" and self.peek() and self.peek().text == "(":  # type: ignore[union-attr]
            self.take()
            if self.take().text != ")":
                self.fail()
            return True, []
        tokens = [first]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.take()
            tokens.append(self.take())
        for token in tokens:
            if token.kind != "word" or token.text.lower() in _KEYWORDS:
                self.fail(token)
        return False, tokens

    def field(self, token: Token) -> str:
        """Resolve a (dotted) field to its canonical path; raise INVALID_FIELD."""
        parts = token.text.split(".")
        sobject, path = self.sobject, []
        for i, part in enumerate(parts):
            if i < len(parts) - 1:
                id_field = sobjects.relationship_field(sobject, part)
                if id_field is None:
                    self._no_field(token, part, sobject)
                path.append(id_field[:-2])
                sobject = _target_of(sobject, id_field[:-2])
            else:
                name = sobjects.canonical_field(sobject, part)
                if name is None:
                    self._no_field(token, part, sobject)
                path.append(name)
        return ".".join(path)

    def _no_field(self, token: Token, name: str, sobject: str) -> NoReturn:
        raise SoqlError(
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a "
            "custom field, be sure to append the '__c' after the custom field name. Please "
            "reference your WSDL or the describe call for the appropriate names.",
            self.query,
            token.position,
        )

    def _expression(self) -> Predicate:
        left = self._term()
        while self.keyword("or"):
            right, previous = self._term(), left
            left = _either(previous, right)
        return left

    def _term(self) -> Predicate:
        left = self._factor()
        while self.keyword("and"):
            right, previous = self._factor(), left
            left = _both(previous, right)
        return left

    def _factor(self) -> Predicate:
        if self.keyword("not"):
            inner = self._factor()
            return lambda record: not inner(record)
        token = self.peek()
        if token is not None and token.text == "(":
            self.take()
            inner = self._expression()
            if self.take().text != ")":
                self.fail()
            return inner
        return self._comparison()

    def _comparison(self) -> Predicate:
        field_token = self.take()
        if field_token.kind != "word":
            self.fail(field_token)
        path = self.field(field_token)
        negated = self.keyword("not")
        if self.keyword("in"):
            values = self._value_list()
            return lambda r: (value_at(r, path) in values) != negated
        if negated:
            self.fail()
        if self.keyword("like"):
            pattern = _like(self._value())
            return lambda r: bool(pattern.fullmatch(str(value_at(r, path) or "")))
        operator = self.take()
        if operator.kind != "op" or operator.text in "(),":
            self.fail(operator)
        value = self._value()
        return _compare(path, operator.text, value)

    def _value(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        literal = token.text.lower()
        if literal in ("true", "false"):
            return literal == "true"
        if literal == "null":
            return None
        self.fail(token)

    def _value_list(self) -> list[Any]:
        if self.take().text != "(":
            self.fail()
        values = [self._value()]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.take()
            values.append(self._value())
        if self.take().text != ")":
            self.fail()
        return values

    def _order(self) -> list[tuple[str, bool]]:
        self.expect("by")
        order = []
        while True:
            path = self.field(self.take())
            descending = self.keyword("desc")
            if not descending:
                self.keyword("asc")
            if self.keyword("nulls"):
                self.keyword("first") or self.keyword("last")
            order.append((path, descending))
            token = self.peek()
            if token is None or token.text != ",":
                return order
            self.take()


def _target_of(sobject: str, relationship: str) -> str:
    polymorphic = sobjects.POLYMORPHIC.get((sobject, relationship))
    if polymorphic:
        return polymorphic[0]
    targets = {"Assignee": "User", "UserRole": "User"}
    return targets.get(relationship, relationship)


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda record: a(record) or b(record)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda record: a(record) and b(record)


def _like(value: Any) -> re.Pattern[str]:
    text = re.escape(str(value)).replace("%", ".*").replace("_", ".")
    return re.compile(text, re.IGNORECASE | re.S)


def value_at(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _compare(path: str, operator: str, value: Any) -> Predicate:
    def test(record: dict[str, Any]) -> bool:
        actual = value_at(record, path)
        if (
            isinstance(actual, str)
            and isinstance(value, str)
            and len(value) in (15, 18)
            and path.endswith("Id")
        ):
            actual, expected = actual[:15], value[:15]
        else:
            expected = value
        if isinstance(actual, str) and isinstance(expected, str) and not path.endswith("Id"):
            actual, expected = actual.lower(), expected.lower()
        if operator == "=":
            return bool(actual == expected)
        if operator in ("!=", "<>"):
            return bool(actual != expected)
        if actual is None or expected is None:
            return False
        try:
            return bool(
                {
                    "<": actual < expected,
                    ">": actual > expected,
                    "<=": actual <= expected,
                    ">=": actual >= expected,
                }[operator]
            )
        except TypeError:
            return False

    return test


#: Nesting the recursive parser takes; a query nested deeper is refused as Salesforce does.
MAX_NESTING = 64


def parse(query: str) -> Query:
    """Parse a SOQL query; raise SoqlError with Salesforce's message."""
    text = query.strip()
    depth = 0
    quoted = False
    for position, ch in enumerate(text):
        quoted = quoted != (ch == "'" and text[position - 1 : position] != "\\")
        depth += 0 if quoted else {"(": 1, ")": -1}.get(ch, 0)
        if depth > MAX_NESTING:  # thousands of "(" used to answer HTTP 500 (RecursionError)
            raise SoqlError("MALFORMED_QUERY", "unexpected token: '('", text, position)
    return _Parser(text).parse()
