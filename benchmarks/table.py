"""Turn the runner's figures into table rows: figure, ours, floor or peer, ratio, target, holds."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]
COLUMNS = ("figure", "ours", "floor / peer", "ratio", "target", "holds")


def _s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _mb(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


def _row(figure: str, ours: str, peer: str, ratio: float | None, target: str, holds: Any) -> Row:
    shown = "" if ratio is None else f"{ratio:.2f}x"
    verdict = "" if holds is None else ("yes" if holds else "NO")
    return dict(zip(COLUMNS, (figure, ours, peer, shown, target, verdict), strict=True))


def _build(f: dict[str, Any]) -> list[Row]:
    size = f["xml_bytes"]
    return [
        _row(
            f"render+validate+package ({f['files']} files)",
            _s(f["ours_seconds"]),
            f"lxml parse+serialize {_s(f['floor_seconds'])}",
            f["ratio"],
            "<= 3x floor",
            f["ratio"] <= f["target_ratio"],
        ),
        _row(
            "  peak memory (tracemalloc)",
            _mb(f["traced_peak_bytes"]),
            f"package XML {_mb(size)} (zip {_mb(f['zip_bytes'])})",
            f["memory_ratio"],
            "<= 3x package",
            f["memory_ratio"] <= f["target_memory_ratio"],
        ),
        _row(
            "  peak RSS growth (VmHWM)",
            _mb(f["rss_growth_bytes"]),
            f"package XML {_mb(size)}",
            f["rss_ratio"],
            "<= 3x package",
            f["rss_ratio"] <= f["target_memory_ratio"],
        ),
    ]


def _startup(f: dict[str, Any]) -> list[Row]:
    t = f["seconds"]
    floor = t["python -c pass"]
    peers = {
        "--version": "sf --version",
        "render --help": "sf --version",
        "deploy start --help": "sf project deploy start --help",
    }
    rows = []
    for ours, theirs in peers.items():
        rows.append(
            _row(
                f"start-up `{ours}`",
                _s(t[ours]),
                f"python -c pass {_s(floor)}",
                t[ours] / floor,
                "< 150 ms",
                t[ours] < 0.150,
            )
        )
        if theirs in t:
            ratio = t[ours] / t[theirs]
            rows.append(
                _row(
                    f"  vs `{theirs}`", _s(t[ours]), _s(t[theirs]), ratio, "< 0.2x sf", ratio < 0.2
                )
            )
    if f["sf"] is None:
        rows.append(_row("  vs sf", "", "sf not installed", None, "< 0.2x sf", None))
    return rows


def _deploy(f: dict[str, Any]) -> list[Row]:
    ours, sf = f["totals"]["ours"], f["totals"]["sf"]
    n = len(f["rows"])
    lengths = ", ".join(f"{row['length']:g}" for row in f["rows"])
    what = f"{f['components']} components, zip {_mb(f['zip_bytes'])}, deploys of {lengths} s"
    mean_ours, mean_sf = ours["delay"] / n, sf["delay"] / n
    return [
        _row(
            f"deploy polls ({what})",
            str(ours["requests"]),
            f"sf schedule {sf['requests']}",
            ours["requests"] / sf["requests"],
            "<= sf",
            ours["requests"] <= sf["requests"],
        ),
        _row(
            "  requests from deploy on",
            str(ours["calls"]),
            f"sf schedule {sf['calls']}",
            ours["calls"] / sf["calls"],
            "",
            None,
        ),
        _row(
            "  bytes sent",
            _mb(ours["sent"]),
            f"sf schedule {_mb(sf['sent'])}",
            ours["sent"] / sf["sent"],
            "",
            None,
        ),
        _row(
            "  bytes received",
            _mb(ours["received"]),
            f"sf schedule {_mb(sf['received'])}",
            ours["received"] / sf["received"],
            "",
            None,
        ),
        _row(
            "  finish-to-report delay (mean)",
            _s(mean_ours),
            f"sf schedule {_s(mean_sf)}",
            mean_ours / mean_sf if mean_sf else None,
            "<= sf",
            mean_ours <= mean_sf,
        ),
    ]


def _diff(f: dict[str, Any]) -> list[Row]:
    what = f"{f['fields']:,} fields, {f['changes_expected']} changes"
    ok = f["ours_seconds"] < f["target_seconds"] and f["changes_found"] == f["changes_expected"]
    xml = f["xmldiff"]
    if xml["status"] == "ok":
        peer, ratio = f"xmldiff {_s(xml['seconds'])}", f["ours_seconds"] / xml["seconds"]
    elif xml["status"] == "stopped":
        peer, ratio = f"xmldiff > {xml['timeout']:.0f} s (stopped)", None
    else:
        peer, ratio = f"xmldiff {xml['status']}", None
    return [
        _row(
            f"diff of two profiles ({what})",
            _s(f["ours_seconds"]),
            f"git diff --no-index {_s(f['git_seconds'])}",
            f["ratio_to_git"],
            "< 1 s",
            ok,
        ),
        _row("  vs xmldiff", _s(f["ours_seconds"]), peer, ratio, "", None),
    ]


def _validate(f: dict[str, Any]) -> list[Row]:
    what = f"{f['files']:,} files, {f['entries']:,} entries"
    speed = f["ratio"]  # parse time / validate time: validation speed as a share of lxml's
    rows = [
        _row(
            f"validate, one process ({what})",
            _s(f["validate_seconds"]),
            f"lxml parse {_s(f['parse_seconds'])}",
            speed,
            ">= 0.5x lxml speed",
            speed >= f["target_ratio"],
        ),
    ]
    a = f.get("all_cores")
    if a:
        what = f"{a['cores']} cores, {a['files']:,} files, {a['entries']:,} entries"
        holds = a["time_ratio"] <= a["target_time_ratio"] and a["same_findings"]
        rows.append(
            _row(
                f"validate, all cores ({what})",
                _s(a["validate_seconds"]),
                f"lxml parse, one process {_s(a['parse_seconds'])}",
                a["time_ratio"],
                "<= 1.5x lxml parse time",
                holds,
            )
        )
    return rows


def _report(f: dict[str, Any]) -> list[Row]:
    what = f"{f['failures']:,} failures of {f['components']} components"
    ok = f["deploy_seconds"] < f["limit_seconds"] and f["exit_code"] == 1 and f["all_listed"]
    return [
        _row(
            f"deploy -p -o local --json ({what})",
            _s(f["deploy_seconds"]),
            f"same zip as --zip {_s(f['zip_deploy_seconds'])}",
            f["deploy_ratio"],
            "< 150 s, exit 1, all listed",
            ok,
        ),
        _row(
            "  peak RSS (VmHWM, local org in process)", _mb(f["peak_rss_bytes"]), "", None, "", None
        ),
        _row(
            "  report: text+JSON+JUnit+GitHub, lines of apionly.toml",
            _s(f["report_seconds"]),
            f"same, org's paths {_s(f['plain_report_seconds'])}",
            f["report_ratio"],
            "",
            None,
        ),
    ]


def _emulator(f: dict[str, Any]) -> list[Row]:
    ok = f["lost"] == 0 and f["status_p50_ms"] <= f["p50_limit_ms"]
    return [
        _row(
            f"local org checkDeployStatus p50 ({f['clients']} clients)",
            f"{f['status_p50_ms']:.1f} ms",
            f"GET /services/data {f['rest_p50_ms']:.1f} ms",
            f["ratio_to_rest"],
            "< 50 ms, none lost",
            ok,
        ),
    ]


def _load(f: dict[str, Any]) -> list[Row]:
    if f.get("status") == "absent":
        return [_row("load (bench_load.py)", "", "not present", None, "", None)]
    what = f"{f['clients']} concurrent deploys, {f['deploy_seconds_in_org']:g} s each in the org"
    return [
        _row(
            f"load: throughput ({what})",
            f"{f['throughput_per_second']:.1f} deploys/s",
            f"wall {_s(f['wall_seconds'])}",
            None,
            "",
            None,
        ),
        _row(
            "  checkDeployStatus under load p50 / p99",
            f"{f['poll_p50_ms']:.1f} / {f['poll_p99_ms']:.1f} ms",
            "",
            None,
            "",
            None,
        ),
        _row("  requests per deploy", f"{f['requests_per_deploy']:.2f}", "", None, "", None),
        _row(
            "  lost or crossed results",
            str(f["lost_or_crossed"]),
            "",
            None,
            "0",
            f["lost_or_crossed"] == 0,
        ),
    ]


_PARTS = {
    "build": _build,
    "startup": _startup,
    "deploy": _deploy,
    "report": _report,
    "diff": _diff,
    "validate": _validate,
    "emulator": _emulator,
    "load": _load,
}


def rows(results: dict[str, dict[str, Any]]) -> list[Row]:
    """Return the table rows for every part measured."""
    return [row for part, figures in results.items() for row in _PARTS[part](figures)]


def render(table: list[Row]) -> str:
    """Return ``table`` as fixed-width text (also valid Markdown)."""
    widths = {c: max(len(c), *(len(r[c]) for r in table)) for c in COLUMNS}
    line = "| " + " | ".join(c.ljust(widths[c]) for c in COLUMNS) + " |"
    rule = "|" + "|".join("-" * (widths[c] + 2) for c in COLUMNS) + "|"
    body = ["| " + " | ".join(r[c].ljust(widths[c]) for c in COLUMNS) + " |" for r in table]
    return "\n".join([line, rule, *body])
