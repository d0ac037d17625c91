"""Every real bot log of ../shared/fixtures: report.json carries the right figures.

The expected figures were read from the files themselves (a JSON/pretty line parser written apart
from mmwatch, plus grep) and cross-checked against log_format.md §5. The one difference with §5:
``2025-12-28_mm_test2_d966775.log`` has 144 non-event lines "144 continuation lines" in §5, but
two of its continuation lines (l.263 and l.1064) are empty; mmwatch counts non-empty lines only
(report.schema.json: ``total`` = non-empty lines read), hence 142 continuation + 2 console.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from mmwatch.ingest import pull_file
from mmwatch.report.build import build_report, validate_report
from mmwatch.report.render_html import render_html
from mmwatch.report.render_md import render_markdown
from mmwatch.report.series import build_series
from mmwatch.store import connect
from mmwatch.transform import build_audit_tables
from tests.conftest import FIXTURES, fixture_log


class Expected(NamedTuple):
    lines: int  # non-empty lines
    other: dict[str, int]  # non-event lines by reason
    levels: tuple[int, int, int, int]  # DEBUG, INFO, WARN, ERROR
    tracked: int
    untracked: int
    buys: int
    sells: int
    first: str
    last: str
    final_position: float | None
    position_from: str | None
    end: str
    kill_switch: bool
    not_triggered_logged: bool
    status_events: int  # DEBUG `Kill switch status`
    warmup_ticks: tuple[int | None, int | None]  # last `Warming up: X/Y volume ticks` before the first quote


EXPECTED: dict[str, Expected] = {
    "2025-12-23_mm_cdd2646.log": Expected(
        1456,
        {},
        (1450, 6, 0, 0),
        0,
        0,
        0,
        0,
        "2025-12-23T13:52:18.726930Z",
        "2025-12-23T13:55:11.840729Z",
        None,
        None,
        "graceful",
        False,
        False,
        0,
        (None, None),
    ),
    "2025-12-23_mm_80db3bb.log": Expected(
        12601,
        {},
        (12442, 159, 0, 0),
        33,
        0,
        15,
        18,
        "2025-12-23T19:33:40.222626Z",
        "2025-12-23T20:01:02.185522Z",
        0.00214,
        "last fill line",
        "graceful",
        False,
        False,
        0,
        (12, 10),
    ),
    "2025-12-24_mm_ef0543a.log": Expected(
        1575,
        {},
        (1328, 247, 0, 0),
        11,
        0,
        6,
        5,
        "2025-12-24T15:32:22.646574Z",
        "2025-12-24T15:35:10.194095Z",
        -0.0027,
        "last fill line",
        "graceful",
        False,
        False,
        0,
        (19, 10),
    ),
    "2025-12-24_mm_df0e32c.log": Expected(
        589,
        {},
        (401, 188, 0, 0),
        0,
        0,
        0,
        0,
        "2025-12-24T16:40:24.601593Z",
        "2025-12-24T16:42:01.544031Z",
        None,
        None,
        "abrupt",
        False,
        False,
        0,
        (11, 10),
    ),
    "2025-12-24_mm_242594a.log": Expected(
        770,
        {},
        (635, 135, 0, 0),
        0,
        0,
        0,
        0,
        "2025-12-24T17:15:59.787483Z",
        "2025-12-24T17:17:29.643799Z",
        None,
        None,
        "abrupt",
        False,
        False,
        0,
        (17, 10),
    ),
    "2025-12-27_mm_406c182.log": Expected(
        11821,
        {},
        (11724, 74, 23, 0),
        14,
        23,
        21,
        16,
        "2025-12-27T16:38:56.307886Z",
        "2025-12-27T17:05:48.985909Z",
        0.02116,
        "last fill line",
        "abrupt",
        False,
        False,
        0,
        (21, 10),
    ),
    "2025-12-27_mm_0aca85a.log": Expected(
        1181,
        {},
        (1123, 58, 0, 0),
        4,
        0,
        0,
        4,
        "2025-12-28T02:13:43.076860Z",
        "2025-12-28T02:18:25.326804Z",
        0.01702,
        "Final position state",
        "graceful",
        False,
        True,
        4,
        (8, 10),
    ),
    "2025-12-28_mm_live_d966775.log": Expected(
        759,
        {"console": 3},
        (738, 18, 0, 0),
        1,
        0,
        0,
        1,
        "2025-12-28T06:23:51.456616Z",
        "2025-12-28T06:29:17.788897Z",
        -0.00221,
        "last fill line",
        "abrupt",
        False,
        False,
        5,
        (17, 10),
    ),
    "2025-12-28_mm_test2_d966775.log": Expected(
        1444,
        {"console": 2, "continuation": 142},
        (936, 288, 62, 14),
        2,
        12,
        0,
        14,
        "2025-12-28T05:01:40.920352Z",
        "2025-12-28T05:04:04.318741Z",
        -0.11591,
        "Final position state",
        "kill_switch",
        True,
        False,
        2,
        (7, 10),
    ),
    "2025-12-28_mm_634c97b.log": Expected(
        13905,
        {},
        (9755, 3641, 9, 500),
        0,
        0,
        0,
        0,
        "2025-12-28T20:36:43.407321Z",
        "2025-12-28T21:01:17.335498Z",
        None,
        None,
        "abrupt",
        False,
        False,
        24,
        (8, 10),
    ),
    "2025-12-29_mm_6804739.log": Expected(
        505,
        {},
        (498, 7, 0, 0),
        0,
        0,
        0,
        0,
        "2025-12-29T14:19:19.347778Z",
        "2025-12-29T14:21:14.775810Z",
        None,
        None,
        "abrupt",
        False,
        False,
        1,
        (17, 10),
    ),
    "2025-12-30_mm_d50bb67.log": Expected(
        13326,
        {},
        (12293, 42, 991, 0),
        6,
        24,
        9,
        21,
        "2025-12-30T22:42:29.842892Z",
        "2025-12-30T22:58:15.517128Z",
        -0.08855,
        "Final position state",
        "graceful",
        False,
        True,
        15,
        (7, 10),
    ),
}


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    """All twelve logs loaded into one DuckDB file, audit tables built once.

    Returns ({file name: report.json}, {file name: plot series}). The report is ``build_report``'s
    (report.json without the rule results): the rules' own tests cover them, and the GX run of
    twelve sessions would cost ~45 s here for no figure.
    """
    con = connect(tmp_path_factory.mktemp("fixtures") / "m.duckdb")
    try:
        pulls = [pull_file(con, fixture_log(name), final=True) for name in sorted(EXPECTED)]
        session_ids = build_audit_tables(con, [p.source_id for p in pulls])
        reports: dict[str, Any] = {}
        series: dict[str, Any] = {}
        for session_id in session_ids:
            report = json.loads(json.dumps(build_report(con, session_id)))  # exactly what report.json holds
            name = Path(report["session"]["source"]).name
            assert name not in reports, f"{name}: more than one session"
            reports[name], series[name] = report, build_series(con, session_id)
        return reports, series
    finally:
        con.close()


@pytest.fixture(scope="module")
def reports(audited: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    return audited[0]


def test_every_fixture_is_covered() -> None:
    if not FIXTURES.is_dir():  # like every fixture test: ../shared is beside the checkout in CI
        pytest.skip(f"fixtures not found in {FIXTURES}")
    assert sorted(p.name for p in FIXTURES.glob("*.log")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_figures(reports: dict[str, dict[str, Any]], name: str) -> None:
    e, r = EXPECTED[name], reports[name]
    validate_report(r)
    lines, lv = r["lines"], r["lines"]["by_level"]
    assert (lines["total"], lines["other"], lines["other_by_reason"]) == (
        e.lines,
        sum(e.other.values()),
        e.other,
    )
    assert lines["events"] == lines["total"] - lines["other"] == sum(lv.values())
    assert (lv["DEBUG"], lv["INFO"], lv["WARN"], lv["ERROR"]) == e.levels and lv["TRACE"] == 0
    f = r["fills"]
    assert (f["tracked"], f["untracked"], f["buys"], f["sells"]) == (e.tracked, e.untracked, e.buys, e.sells)
    assert f["total"] == e.tracked + e.untracked
    assert f["untracked_ratio"] == (e.untracked / f["total"] if f["total"] else None)
    s = r["session"]
    assert (s["started_at"], s["ended_at"], s["end"]) == (e.first, e.last, e.end)
    if e.final_position is None:
        assert r["position"]["final"] is None
    else:
        assert r["position"]["final"] == pytest.approx(e.final_position, abs=1e-12)
    assert r["position"]["final_from"] == e.position_from
    ks = r["kill_switch"]
    assert (ks["triggered"], ks["not_triggered_logged"], ks["status_events"]) == (
        e.kill_switch,
        e.not_triggered_logged,
        e.status_events,
    )
    assert sum(t["count"] for t in r["warning_taxonomy"]) == lv["WARN"] + lv["ERROR"]
    assert (r["warmup"]["first_quote_volume_ticks"], r["warmup"]["required_volume_ticks"]) == e.warmup_ticks


def test_december_logs_carry_no_january_figures(reports: dict[str, dict[str, Any]]) -> None:
    """Figures the December code never logs stay null ("not in log"), never 0."""
    for name, r in reports.items():
        assert r["session"]["network"] is None, name  # Dec never records the network
        assert r["rate_limit"]["min_headroom_pct"] is None, name
        assert r["ladder"]["configured_levels"] is None, name
        assert r["pricing"]["max_price_drift_bps"] is None and r["pricing"]["price_drift_events"] == 0, name


def test_kill_switch_reasons_and_error_flood(reports: dict[str, dict[str, Any]]) -> None:
    test2 = reports["2025-12-28_mm_test2_d966775.log"]
    assert test2["kill_switch"]["reasons"] == ["Max position value exceeded: $10189.18 > $10000.00"]
    flood = reports["2025-12-28_mm_634c97b.log"]
    errors = [t for t in flood["warning_taxonomy"] if t["level"] == "ERROR"]
    assert sum(t["count"] for t in errors) == 500
    assert all(t["template"].startswith("Bulk order {n} rejected:") for t in errors)


def test_reports_render_for_every_fixture(audited: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """report.md of a December log says "not in log" where the January figures are missing; the
    HTML page draws what the log has (fills as points, one per fill line)."""
    reports, series = audited
    for name, r in reports.items():
        md = render_markdown(r)
        assert md.startswith(f"# Session: {r['session']['started_at'][:10]} unknown network BTC Log Audit"), (
            name
        )
        assert "**Rate limit**: headroom not in log" in md, name
        assert f"**Total Fills**: {r['fills']['total']:,} " in md, name
        assert len(series[name]["fills"]) == r["fills"]["total"], name
        page = render_html(r, series[name])
        assert page.count("<svg") + page.count("class='nodata'") == 5, name
        assert "rate-limit headroom (%): no data in the log." in page, name
        drawn = sum(
            page.count(f"{kind} ({n})")
            for kind in ("tracked buy", "tracked sell", "untracked buy", "untracked sell")
            for n in range(1, 60)
        )
        assert (drawn > 0) == (r["fills"]["total"] > 0), name
