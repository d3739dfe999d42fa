"""Login IP ranges and login hours for the diff: does a change widen or narrow who can log in.

Salesforce applies a Profile's login IP ranges and hours as a whole list; a profile without
ranges accepts logins from any address, and a day without hours is not restricted. We assume a
Profile deploy that carries ranges (or hours) replaces the org's, and one that carries none leaves
them alone, like every other absent Profile entry.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from apionly_deploy.model.components import LoginHours, LoginIpRange
from apionly_deploy.review.entries import Step, shown

# -- login IP ranges -------------------------------------------------------------------------


_Interval = tuple[int, int, int]  # (ip version, first, last)


def _interval(entry: LoginIpRange) -> _Interval | None:
    try:
        start, end = ipaddress.ip_address(entry.start), ipaddress.ip_address(entry.end)
    except ValueError:
        return None
    if start.version != end.version or int(start) > int(end):
        return None
    return start.version, int(start), int(end)


def _merged(ranges: Sequence[LoginIpRange]) -> list[_Interval]:
    spans = sorted(i for i in map(_interval, ranges) if i is not None)
    merged: list[_Interval] = []
    for version, lo, hi in spans:
        if merged and merged[-1][0] == version and lo <= merged[-1][2] + 1:
            last = merged[-1]
            merged[-1] = (version, last[1], max(last[2], hi))
        else:
            merged.append((version, lo, hi))
    return merged


def _uncovered(span: _Interval, cover: Sequence[_Interval]) -> int:
    """Return how many addresses of ``span`` no interval of ``cover`` holds."""
    version, lo, hi = span
    inside = sum(
        max(0, min(hi, c_hi) - max(lo, c_lo) + 1) for v, c_lo, c_hi in cover if v == version
    )
    return hi - lo + 1 - inside


def _ip_key(entry: LoginIpRange) -> str:
    return f"{entry.start}-{entry.end}"


def _ip_shown(entry: LoginIpRange) -> str:
    description = shown(entry.description)
    return f"{_ip_key(entry)} ({description})" if description else _ip_key(entry)


def ip_range_steps(
    old: Sequence[LoginIpRange], new: Sequence[LoginIpRange], *, patch: bool
) -> list[Step]:
    """Return the steps from one list of login IP ranges to another.

    A profile without ranges accepts logins from anywhere, so the first ranges narrow access.
    When a Profile file drops every range, the deploy leaves the org's ranges alone.
    """
    olds, news = {_ip_key(r): r for r in old}, {_ip_key(r): r for r in new}
    if not news and olds and patch:
        note = "login IP ranges stay in the org; a Profile deploy without ranges keeps them"
        return [Step(k, "stays", before=_ip_shown(r), note=note) for k, r in olds.items()]
    old_cover, new_cover = _merged(old), _merged(new)
    steps: list[Step] = []
    for key, entry in news.items():
        if key in olds:
            if shown(olds[key].description) != shown(entry.description):
                steps.append(Step(key, "change", _ip_shown(olds[key]), _ip_shown(entry)))
            continue
        steps.append(_added_range(entry, old_cover, first=not olds))
    for key, entry in olds.items():
        if key not in news:
            steps.append(_removed_range(entry, new_cover, last=not news))
    return steps


def _added_range(entry: LoginIpRange, old_cover: list[_Interval], *, first: bool) -> Step:
    key, after = _ip_key(entry), _ip_shown(entry)
    if first:
        return Step(key, "narrow", after=after, note="logins now allowed only from listed ranges")
    span = _interval(entry)
    if span is None:
        return Step(key, "change", after=after, note="not a valid address range")
    extra = _uncovered(span, old_cover)
    if extra:
        return Step(key, "widen", after=after, note=f"allows {extra:,} more addresses")
    return Step(key, "change", after=after, note="already inside the allowed ranges")


def _removed_range(entry: LoginIpRange, new_cover: list[_Interval], *, last: bool) -> Step:
    key, before = _ip_key(entry), _ip_shown(entry)
    if last:
        return Step(key, "widen", before=before, note="no ranges left: logins from any address")
    span = _interval(entry)
    lost = _uncovered(span, new_cover) if span is not None else 0
    if lost:
        return Step(key, "narrow", before=before, note=f"{lost:,} addresses no longer allowed")
    return Step(key, "change", before=before, note="still inside the allowed ranges")


# -- login hours -----------------------------------------------------------------------------

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_spans(hours: LoginHours) -> dict[str, tuple[int, int]]:
    values = dict(hours.hours)
    spans: dict[str, tuple[int, int]] = {}
    for day in _DAYS:
        start, end = values.get(f"{day}Start"), values.get(f"{day}End")
        if start is None and end is None:
            continue
        try:
            spans[day] = (int(start or 0), int(end or 1440))
        except ValueError:
            spans[day] = (0, 1440)
    return spans


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span_shown(span: tuple[int, int] | None) -> str:
    return "any time" if span is None else f"{_clock(span[0])}-{_clock(span[1])}"


def login_hours_steps(old: LoginHours | None, new: LoginHours | None, *, patch: bool) -> list[Step]:
    """Return per-day steps between two login hours; a day that is not set is unrestricted."""
    if new is None:
        if old is None or not old.hours or not patch:
            return [] if old is None or not old.hours else _hours_steps(old, LoginHours())
        return [Step("loginHours", "stays", before=_hours_line(old), note="stays in the org")]
    return _hours_steps(old or LoginHours(), new)


def _hours_line(hours: LoginHours) -> str:
    spans = _day_spans(hours)
    return ", ".join(f"{day} {_span_shown(spans[day])}" for day in spans)


def _hours_steps(old: LoginHours, new: LoginHours) -> list[Step]:
    before, after = _day_spans(old), _day_spans(new)
    steps = []
    for day in _DAYS:
        was, now = before.get(day), after.get(day)
        if was == now:
            continue
        lo, hi = now or (0, 1440)
        was_lo, was_hi = was or (0, 1440)
        if lo <= was_lo and hi >= was_hi:
            action = "widen"
        elif lo >= was_lo and hi <= was_hi:
            action = "narrow"
        else:
            action = "change"
        steps.append(Step(day, action, _span_shown(was), _span_shown(now)))
    return steps
