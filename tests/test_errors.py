"""Errors build their one-line message from their fields."""

from __future__ import annotations

from apionly_deploy.errors import RemoteError, XmlError


def test_a_hint_is_a_field_joined_to_the_problem() -> None:
    error = RemoteError("HTTP 503 from the org")
    assert str(error) == "HTTP 503 from the org"
    error.hint = "deploy 0AfXX0000000001AAA may still be running on uat"
    assert str(error) == (
        "HTTP 503 from the org; deploy 0AfXX0000000001AAA may still be running on uat"
    )
    assert error.args == ("HTTP 503 from the org",)  # the problem itself is untouched


def test_xml_errors_say_where_from_their_fields() -> None:
    error = XmlError.at("a.xml", "malformed XML: bad", line=3, column=7)
    assert str(error) == "a.xml:3:7: malformed XML: bad"
    assert (error.line, error.column, error.problem) == (3, 7, "malformed XML: bad")
    assert str(XmlError.at("a.xml", "too large")) == "a.xml: too large"
