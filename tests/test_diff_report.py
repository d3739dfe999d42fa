"""Diff reports: golden text, Markdown and JSON, colour, escaping and truncation."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from golden import assert_golden

from apionly_deploy.model.components import Kind
from apionly_deploy.report.diff import JSON_SCHEMA, format_json, format_markdown, format_text
from apionly_deploy.review.audience import Audience
from apionly_deploy.review.diff import Action, Category, Change, Comparison, Risk, compare
from apionly_deploy.review.gitrefs import path_sides, template_digests
from apionly_deploy.review.risk import assess_comparison

DIFF_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "diff"
FORMATS = {"txt": format_text, "md": format_markdown, "json": format_json}


def rated(pair: str, *, templates: bool = False) -> Comparison:
    """Compare ``<pair>/base`` or ``v1`` with its head, labelled by relative paths; with
    ``templates`` their ``templates/`` folders too, as a project's."""
    old, new = {"crafted": ("base", "head"), "real": ("v1", "v2")}[pair]
    folders = (DIFF_FIXTURES / pair / old, DIFF_FIXTURES / pair / new)
    base, head = path_sides(*folders)
    if templates:
        base, head = (
            dataclasses.replace(side, templates=template_digests(f / "templates", limit=9999))
            for side, f in zip((base, head), folders, strict=True)
        )
    comparison = compare(base, head)
    labelled = dataclasses.replace(comparison, base=f"{pair}/{old}", head=f"{pair}/{new}")
    return assess_comparison(labelled)


@pytest.mark.parametrize("pair", ["crafted", "real"])
@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_golden(pair: str, suffix: str) -> None:
    assert_golden(f"diff/{pair}.{suffix}", FORMATS[suffix](rated(pair)).encode())


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_template_changes_are_high_risk_in_every_format(suffix: str) -> None:
    templates_only = dataclasses.replace(
        rated("crafted", templates=True),
        changes=tuple(
            c for c in rated("crafted", templates=True).changes if c.rule == "change-template"
        ),
    )
    assert {c.key for c in templates_only.changes} == {"macros.j2", "permissionset.xml.j2"}
    assert_golden(f"diff/templates.{suffix}", FORMATS[suffix](templates_only).encode())


def test_crafted_pair_covers_every_category_but_settings() -> None:
    seen = {change.category for change in rated("crafted", templates=True).changes}
    assert set(Category) - seen == {Category.SETTING}


def test_no_changes_says_so() -> None:
    empty = Comparison("a", "b", ())
    assert format_text(empty) == "Permission diff: a -> b\n\nNo permission changes.\n"
    assert format_markdown(empty).endswith("No permission changes.\n")
    assert json.loads(format_json(empty))["summary"] == {
        "changes": 0,
        "high": 0,
        "medium": 0,
        "low": 0,
        "highest": None,
    }


def test_colour_only_when_asked() -> None:
    comparison = rated("crafted")
    coloured = format_text(comparison, color=True)
    assert "\x1b[1;31mHIGH  \x1b[0m" in coloured
    assert "\x1b[" not in format_text(comparison)


def test_notes_are_shown() -> None:
    noted = Comparison("a", "b", (), ("the working tree has 1 uncommitted change(s)",))
    assert "note: the working tree has 1 uncommitted change(s)" in format_text(noted)
    assert "> **Note:** the working tree has 1 uncommitted change(s)" in format_markdown(noted)


def test_markdown_escapes_table_cells() -> None:
    change = Change(
        Kind.PROFILE, "A|B <x>", Category.OTHER, "k|<y>", Action.ADD, risk=Risk.LOW, reason="r|s"
    )
    markdown = format_markdown(Comparison("a", "b", (change,)))
    assert "| Profile | A\\|B &lt;x&gt; | 0 | 0 | 1 |" in markdown
    assert "<code>k\\|&lt;y&gt;</code>" in markdown
    assert "r\\|s" in markdown


HOSTILE = "@acme/security-team ![x](https://evil.example/t.png) <img src=https://evil.example/p>"


def test_markdown_makes_mentions_and_remote_images_inert() -> None:
    """Names, descriptions and notes from a pull request or an org ping no one and load no
    image when the report is posted as a PR comment."""
    change = Change(
        Kind.PERMISSION_SET,
        HOSTILE,
        Category.SETTING,
        "description",
        Action.CHANGE,
        before="\\[ok](https://evil.example) ![y](http://evil.example/i.png) @here",
        after=HOSTILE,
        note=HOSTILE,
        risk=Risk.LOW,
        reason=HOSTILE,
    )
    audience = Audience(users=("@octocat", "erp@acme.example"), groups=(HOSTILE,))
    comparison = Comparison(
        "@base", HOSTILE, (change,), (HOSTILE,), {(Kind.PERMISSION_SET, HOSTILE): audience}
    )
    markdown = format_markdown(comparison)
    assert HOSTILE in format_text(comparison)  # a terminal shows the text as it is
    assert "@\u200dacme/security-team" in markdown
    assert re.search(r"(?<![A-Za-z0-9])@(?!\u200d)", markdown) is None
    assert "<code>erp@acme.example</code>" in markdown  # an address is not a mention
    unescaped = re.sub(r"\\.", "", markdown)  # what is left after Markdown's escapes
    assert "[" not in unescaped  # no live link or image
    assert "]" not in unescaped
    assert "<img" not in markdown


def test_markdown_caps_rows_highest_risk_first() -> None:
    changes = tuple(
        Change(Kind.PERMISSION_SET, "S", Category.FIELD, f"A.F{i:02d}", Action.GRANT, risk=risk)
        for i, risk in enumerate([Risk.LOW] * 5 + [Risk.HIGH])
    )
    markdown = format_markdown(Comparison("a", "b", changes), max_rows=2)
    assert "A.F05" in markdown and "A.F00" in markdown and "A.F01" not in markdown
    assert "… and 4 more lower-risk change(s) not shown." in markdown
    assert "<details open>" in markdown


def test_json_schema_is_stable() -> None:
    document = json.loads(format_json(rated("crafted")))
    assert document["schema"] == JSON_SCHEMA == "apionly-deploy/diff/1"
    assert list(document) == ["schema", "base", "head", "notes", "summary", "components"]
    assert list(document["components"][0]) == [
        "kind",
        "name",
        "users",
        "groups",
        "summary",
        "changes",
    ]
    assert list(document["components"][0]["changes"][0]) == [
        "category",
        "key",
        "action",
        "before",
        "after",
        "granted",
        "revoked",
        "risk",
        "reason",
        "rule",
        "note",
    ]
    assert document["summary"]["highest"] == "high"
