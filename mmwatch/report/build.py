"""The report of one session as a plain dict: ``report.json``'s content (``mmwatch/schemas``).

Every figure comes from the audit tables; a figure the log does not carry stays ``None`` (null),
never 0 or a guess. Rule results are added by the rule engine (``rules``) when it has run.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jsonschema

from mmwatch import __version__
from mmwatch.config import SCHEMA_DIR

_FILENAME = re.compile(r"mm_(mainnet|testnet|localhost)_([A-Za-z0-9]+)_\d{4}-\d{2}-\d{2}")
SCHEMA_VERSION = 1


def _clean(value: Any) -> Any:
    """DuckDB values -> JSON values (NaN -> None, numpy/decimal -> float)."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(query, params)
    names = [d[0] for d in cur.description]
    return [{n: _clean(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def identity_from_filename(path: str) -> tuple[str | None, str | None]:
    """(network, asset) from the bot scripts' file names ``mm_{network}_{asset}_{date}_{time}.log``."""
    m = _FILENAME.search(Path(path).name)
    return (m.group(1).lower(), m.group(2).upper()) if m else (None, None)


def session_row(con: duckdb.DuckDBPyConnection, session_id: str) -> dict[str, Any]:
    rows = _rows(con, "select * from session_summary where session_id = ?", [session_id])
    if not rows:
        raise KeyError(f"no audited session {session_id}")
    return rows[0]


def build_report(con: duckdb.DuckDBPyConnection, session_id: str) -> dict[str, Any]:
    """``report.json`` for one session, without rule results (``rules`` is empty)."""
    s = session_row(con, session_id)
    _, file_asset = identity_from_filename(s["source_path"])
    by_reason = s["other_by_reason"] or {}
    levels = {"TRACE": s["level_trace"], "DEBUG": s["level_debug"], "INFO": s["level_info"],
              "WARN": s["level_warn"], "ERROR": s["level_error"]}
    taxonomy = _rows(
        con,
        "select level, template, n as count, first_line, last_line, example, unknown from warn_taxonomy "
        "where session_id = ? order by n desc, template",
        [session_id],
    )
    # the templates the catalogue does not know, numbers masked (no example line: it carries them)
    unknown = [{k: t[k] for k in ("level", "template", "count", "first_line")}
               for t in taxonomy if t.pop("unknown")]
    kinds = {r["kind"]: r["n"] for r in _rows(
        con, "select kind, n from session_kinds where session_id = ? order by kind", [session_id])}
    untracked = _rows(
        con,
        "select line_no, ts_raw, oid, tid, cloid, side, size, position_after from fills "
        "where session_id = ? and not tracked order by byte_offset",
        [session_id],
    )
    stopped = con.execute("select stopped_line from shutdown where session_id = ?", [session_id]).fetchall()
    source_size = con.execute("select size_seen from sources where source_id = ?",
                              [s["source_id"]]).fetchall()
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "mmwatch_version": __version__,
        "session": {
            "id": session_id,
            "source": s["source_path"],
            "source_id": s["source_id"],
            "session_no": s["session_no"],
            "asset": s["log_asset"] or file_asset,
            "asset_from": "log" if s["log_asset"] else ("file name" if file_asset else None),
            # only from a line of the session: a file name is no evidence of where the bot traded
            "network": s["log_network"],
            "network_from": "log" if s["log_network"] else None,
            "mode": s["mode"],
            "bot_era": s["bot_era"],
            "era_templates": s["era_templates"] or {},
            "paper_prior_injected": s["paper_prior_injected"],
            "strategy": s["strategy"],
            "started_at": s["started_at"],
            "ended_at": s["ended_at"],
            "duration_s": s["duration_s"],
            "end": s["end"],
            "shutdown": {
                "stopped_line": stopped[0][0] if stopped else None,
                "graceful_complete": s["graceful_complete"],
                "timed_out": s["timed_out"],
                "error": s["shutdown_error"],
                "order_count_mismatch": s["order_count_mismatch"],
                "signal": s["signal_line"],
                "planned_end": s["planned_end"],
                "close_attempted": s["close_attempted"],
                "position_closed": s["position_closed"],
                "position_close_failed": s["position_close_failed"],
                "close_failure": s["close_failure_line"],
            },
        },
        "lines": {
            "total": s["lines_total"],
            "events": s["lines_events"],
            "other": s["lines_other"],
            "by_level": levels,
            "other_by_reason": by_reason,
            "known_templates": s["known_templates"] or 0,
            # repeats of an earlier line, and stamps off the session's times: counted, not used
            "duplicates": s["duplicate_lines"],
            "time_outliers": s["time_outlier_lines"],
            "unknown_templates": {
                "count": len(unknown),
                "lines": sum(t["count"] for t in unknown),
                "top": unknown[:10],
            },
        },
        "kinds": kinds,
        "fills": {
            "total": s["fills_total"],
            "tracked": s["fills_tracked"],
            "untracked": s["fills_untracked"],
            # a paper session's fills are simulated (`[SIM] Fill decided`): counted here, never real
            "simulated": s["fills_simulated"],
            "duplicate_tid": s["fills_duplicate_tid"],
            "buys": s["fills_buys"],
            "sells": s["fills_sells"],
            "untracked_ratio": s["untracked_ratio"],
            # P&L on a tracked fill line is cumulative (log_format.md §3.10): the last one is the total.
            "tracked_pnl_usd": s["tracked_pnl_usd"],
            "tracked_pnl_basis": "last cumulative P&L printed on a tracked fill line",
            "untracked_fills": untracked,
        },
        "position": {"final": s["final_position"], "final_from": s["final_position_source"],
                     "at_shutdown": s["position_at_shutdown"], "final_mid_price": s["final_mid_price"]},
        "account": {
            "initial_value": s["initial_value"],
            "final_value": s["final_value"],
            "final_margin_available": s["final_margin_available"],
            "final_margin_from": s["final_margin_kind"],
            "initial_margin_available": s["initial_margin_available"],
            "equity_samples": s["equity_samples"] or 0,
        },
        "kill_switch": {
            "triggered": bool(s["kill_switch_triggered"]),
            "reasons": s["kill_switch_reasons"] or [],
            "not_triggered_logged": bool(s["kill_switch_not_triggered_logged"]),
            "conditions": s["kill_switch_conditions"],
            "status_events": s["kill_switch_status_events"],
            "max_drawdown_pct": s["max_drawdown_pct"],
            "last_daily_pnl_usd": s["last_daily_pnl_usd"],
            "max_data_age_s": s["max_data_age_s"],
            "max_cascade_severity": s["max_cascade_severity"],
            "postmortem_path": s["postmortem_path"],
            "stuck_inventory_events": s["stuck_inventory_events"],
        },
        "pricing": {
            "crossed_mid_events": s["crossed_mid_events"],
            "bbo_crossing_filtered_events": s["bbo_crossing_filtered_events"],
            "bbo_crossing_skipped_events": s["bbo_crossing_skipped_events"],
            "drift_capped_events": s["drift_capped_events"],
            "microprice_ema_resets": s["ema_reset_events"],
            "max_microprice_mid_bps": s["max_microprice_mid_bps"],
            "crossed_microprice_range": [s["crossed_min_microprice"], s["crossed_max_microprice"]],
            "crossed_mid_range": [s["crossed_min_mid"], s["crossed_max_mid"]],
            "price_drift_events": s["price_drift_events"],
            "min_price_drift_bps": s["min_price_drift_bps"],
            "max_price_drift_bps": s["max_price_drift_bps"],
            "price_drift_by_kind": {"drift_reconcile": s["drift_reconcile_events"],
                                    "drift_unified": s["drift_unified_events"]},
            "spread_from": s["spread_source"],
            "mean_spread_bps": s["mean_spread_bps"],
            "median_spread_bps": s["median_spread_bps"],
            "p95_spread_bps": s["p95_spread_bps"],
        },
        "rate_limit": {
            "low_headroom_events": s["low_headroom_events"],
            "min_headroom_pct": s["min_headroom_pct"],
            "max_headroom_pct": s["max_headroom_pct"],
            "first_headroom_pct": s["first_headroom_pct"],
            "last_headroom_pct": s["last_headroom_pct"],
            "min_used": s["min_used"],
            "max_used": s["max_used"],
            "cap": s["cap"],
            "http_429_events": s["http_429_events"],
            "exhausted_events": s["rate_exhausted_events"],
            "throttle_span_s": s["throttle_span_s"],
        },
        "ladder": {
            "configured_levels": s["configured_levels"],
            "min_effective_bid": s["min_effective_bid"],
            "min_effective_ask": s["min_effective_ask"],
            "mode_effective_bid": s["mode_effective_bid"],
            "mode_effective_ask": s["mode_effective_ask"],
            "reduction_events": s["reduction_events"],
            "empty_events": s["empty_ladder_events"],
            "entropy_events": s["entropy_events"],
            "entropy_active_events": s["entropy_active_events"],
            "capital_tier": s["capital_tier"],
        },
        "warmup": {
            "first_quote_volume_ticks": s["first_quote_volume_ticks"],
            "required_volume_ticks": s["required_volume_ticks"],
            "first_quote_at": s["first_quote_ts"],
            "first_quote_line": s["first_quote_line"],
            "first_quote_from": s["first_quote_message"],
            "waits_before_quoting": s["warmup_waits"],
            "calibration_met": s["calibration_met"],
            "calibration_timeout": s["calibration_timeout"],
            "incomplete_after_first_quote": s["warmup_incomplete_after_first_quote"],
        },
        "safety_sync": {
            "checks": s["safety_checks"],
            "mismatches": s["safety_mismatches"],
            "max_mismatch_delta": s["max_mismatch_delta"],
            "stale_orders": s["stale_orders"],
        },
        # what the March code reports at INFO: null where the session's code does not log it
        "pnl": {
            "realized_usd": s["pnl_realized_usd"],
            "unrealized_usd": s["pnl_unrealized_usd"],
            "total_usd": s["pnl_total_usd"],
            "spread_capture_usd": s["pnl_spread_capture_usd"],
            "adverse_selection_usd": s["pnl_adverse_selection_usd"],
            "fees_usd": s["pnl_fees_usd"],
            "funding_usd": s["pnl_funding_usd"],
            "samples": s["pnl_samples"],
        },
        "edge": {
            "resolved": s["edges_resolved"],
            "mean_edge_bps": s["mean_edge_bps"],
            "win_rate": s["edge_win_rate"],
            "adverse_fills": s["adverse_fills"],
            "toxic_fill_share": s["toxic_fill_share"],
        },
        "quoting": {
            "quote_cycles": s["quote_cycles"],
            "cycle_summaries": s["cycle_summaries"],
            "cycles_both_sides": s["cycles_both_sides"],
            "uptime": s["quoting_uptime"],
            "regime_transitions": s["regime_transitions"],
        },
        "warning_taxonomy": taxonomy,
        "files": [{"path": s["source_path"], "bytes": source_size[0][0] if source_size else None}],
        "rules": [],
    }


@cache
def _validator() -> jsonschema.protocols.Validator:
    """One validator for the process: ``jsonschema.validate`` re-checks the schema on every call."""
    schema = json.loads((SCHEMA_DIR / "report.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_report(report: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when ``report`` breaks the report.json contract."""
    _validator().validate(report)
