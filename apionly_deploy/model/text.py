"""Text from a server or a file made safe for a terminal, a log, a CI summary or annotation.

A job id holding a newline and ``::error ...`` would otherwise inject a GitHub workflow command;
an escape sequence would rewrite the terminal; a bidi override would hide what a line says.
"""

from __future__ import annotations

import re

#: A line that starts with ``::`` is a GitHub workflow command, wherever the text came from.
_COMMAND_AT_LINE_START = re.compile(r"^(\s*)::", re.MULTILINE)


#: A Salesforce record or job id: 15 case-sensitive or 18 case-safe letters and digits.
SALESFORCE_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


def is_salesforce_id(text: str) -> bool:
    """Return True when ``text`` has the shape of a Salesforce id."""
    return SALESFORCE_ID.fullmatch(text) is not None


def _escape(ch: str) -> str:
    return ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode()


def one_line(text: str) -> str:
    """Escape control characters so a message stays on one line, whatever the input held."""
    return "".join(map(_escape, text))


def safe_lines(text: str) -> str:
    """Return ``text`` with its line breaks kept, other control characters escaped, and no line
    starting with ``::`` (a workflow command): ``::`` there becomes ``: :``."""
    escaped = "\n".join(one_line(line) for line in text.replace("\r\n", "\n").split("\n"))
    return _COMMAND_AT_LINE_START.sub(r"\1: :", escaped)
