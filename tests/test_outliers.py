"""Figures robust to odd lines: a log written twice, stamps that cannot be the bot's, a fill twice.

Each case is built from the January sample (the bot's own lines) and audited end to end; the clean
sample is the control, on which the same rules pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flows.audit_session import audit_logs
from mmwatch.config import SAMPLES_DIR, load_settings

JAN = SAMPLES_DIR / "mm_mainnet_BTC_2026-01-13_15-13-53.log"


def _audit(tmp: Path, name: str, lines: list[str]) -> list[dict[str, Any]]:
    log = tmp / name
    log.write_text("".join(lines), encoding="utf-8")
    outcome = audit_logs(load_settings(db=tmp / f"{name}.duckdb", out=tmp / "out", data_docs=False), [log])
    return [s.report for s in outcome.sessions]


def _rule(report: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in report["rules"] if r["id"] == rule_id)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return JAN.read_text(encoding="utf-8").splitlines(keepends=True)


@pytest.fixture(scope="module")
def clean(lines: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    (report,) = _audit(tmp_path_factory.mktemp("clean"), "clean.log", lines)
    return report


def test_the_clean_sample_passes_the_robustness_rules(clean: dict[str, Any]) -> None:
    assert (
        clean["lines"]["duplicates"],
        clean["lines"]["time_outliers"],
        clean["fills"]["duplicate_tid"],
    ) == (0, 0, 0)
    for rule_id in ("LOG-DUPLICATES", "LOG-TIMESTAMPS", "FILL-DEDUP"):
        assert _rule(clean, rule_id)["passed"] is True, rule_id


def test_a_log_written_twice_is_one_session_with_each_fill_once(
    lines: list[str], clean: dict[str, Any], tmp_path: Path
) -> None:
    (report,) = _audit(tmp_path, "twice.log", lines + lines)
    assert report["session"]["started_at"] == clean["session"]["started_at"]
    assert report["session"]["duration_s"] == clean["session"]["duration_s"]
    assert report["session"]["end"] == "graceful"
    assert (report["fills"]["total"], report["fills"]["untracked"]) == (27, 18)
    assert report["lines"]["events"] == 2 * clean["lines"]["events"]  # every line accounted for
    assert report["lines"]["duplicates"] == clean["lines"]["events"]
    rule = _rule(report, "LOG-DUPLICATES")
    assert (rule["passed"], rule["observed"]) == (False, len(lines))
    assert rule["evidence"][0]["line_no"] == len(lines) + 1


def test_stamps_far_off_the_run_do_not_stretch_it(
    lines: list[str], clean: dict[str, Any], tmp_path: Path
) -> None:
    odd = list(lines)
    odd.insert(0, lines[0].replace('"timestamp":"2026-01-13', '"timestamp":"0001-01-01'))
    odd.insert(3001, lines[3000].replace('"timestamp":"2026-01-13', '"timestamp":"9999-12-31'))
    odd.append(lines[-1].replace('"timestamp":"2026-01-13', '"timestamp":"2027-01-13'))
    (report,) = _audit(tmp_path, "stamps.log", odd)
    assert report["session"]["started_at"] == clean["session"]["started_at"]
    assert report["session"]["duration_s"] == clean["session"]["duration_s"]
    assert report["session"]["id"].startswith("20260113T2214")
    assert report["lines"]["time_outliers"] == 3
    rule = _rule(report, "LOG-TIMESTAMPS")
    assert (rule["passed"], rule["observed"]) == (False, 3)
    assert [e["line_no"] for e in rule["evidence"]] == [1, 3002, len(odd)]
    assert "stamped 9999-12-31" in rule["evidence"][1]["text"]
    # the 9999 line is a real rate-limit line of the run: its content still counts
    assert _rule(report, "RATE-THROTTLE")["observed"] == _rule(clean, "RATE-THROTTLE")["observed"]


def test_a_fill_logged_twice_counts_once(lines: list[str], clean: dict[str, Any], tmp_path: Path) -> None:
    fill = next(
        i
        for i, line in enumerate(lines)
        if '"message":"[Fill] bought' in line or '"message":"[Fill] sold' in line
    )
    again = lines[fill].replace('"timestamp":"2026-01-13T', '"timestamp":"2026-01-13T', 1)
    stamp = again.split('"timestamp":"')[1][:26]
    again = again.replace(
        stamp, stamp[:-1] + ("1" if stamp[-1] != "1" else "2"), 1
    )  # 1 µs later: not a byte repeat
    (report,) = _audit(tmp_path, "fill-twice.log", lines[: fill + 1] + [again] + lines[fill + 1 :])
    assert report["lines"]["duplicates"] == 0
    assert (report["fills"]["total"], report["fills"]["duplicate_tid"]) == (27, 1)
    rule = _rule(report, "FILL-DEDUP")
    assert (rule["passed"], rule["observed"]) == (False, 1)
    assert rule["evidence"][0]["line_no"] == fill + 2


@pytest.mark.parametrize(
    "reasons",
    [
        "[MaxDailyLoss { loss: 12.3, limit: 10.0 }, StaleData]",  # Rust `{:?}` of an enum list
        '["Max drawdown exceeded: 5.10% > 5.00%\\u{200f}"]',  # a Rust unicode escape, not JSON
        '["Manual shutdown: \\0 operator"]',  # `\0`, not JSON
        "operator pressed the red button",  # free text
    ],
)
def test_kill_switch_reasons_that_are_not_json_still_give_a_report(
    lines: list[str], tmp_path: Path, reasons: str
) -> None:
    """The most important event of a session must never cost its report (the reasons were parsed
    with json() inside try_cast, which raised)."""
    stop = next(i for i, line in enumerate(lines) if '"message":"Shutdown signal received' in line)
    # the bot's ERROR `KILL SWITCH TRIGGERED: {:?}` (orchestrator::event_loop, like the line it precedes)
    kill = lines[stop].replace('"level":"INFO"', '"level":"ERROR"', 1)
    head, _, tail = kill.partition('"message":"')
    message = "KILL SWITCH TRIGGERED: " + reasons
    kill = head + '"message":' + json.dumps(message)[:-1] + tail[tail.index('"') :]
    (report,) = _audit(tmp_path, "kill.log", lines[:stop] + [kill] + lines[stop:])
    ks = report["kill_switch"]
    assert ks["triggered"] is True and report["session"]["end"] == "kill_switch"
    assert ks["reasons"] and all(isinstance(r, str) and r for r in ks["reasons"])
    assert _rule(report, "KILL-SWITCH")["passed"] is False
