"""The message catalogue (sql/seeds/messages.csv): well formed, and the one vocabulary of kinds.

Every kind a SQL file or a rule reads must be a kind of the catalogue (a typo would read nothing and
a rule would silently lose its evidence), and every template must be classified as itself.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest

from mmwatch.catalogue import CATALOGUE_PATH, ERAS, CatalogueError, check_catalogue, load_catalogue
from mmwatch.config import EXPECTATIONS_DIR, SQL_DIR
from mmwatch.rules import load_catalogue as load_rules

KIND_LITERAL = re.compile(r"\bkind\s*(?:=|<>|in)\s*\(?((?:\s*'[a-z0-9_]+'\s*,?)+)\)?")
DERIVED = {  # kinds of audit tables that are not event kinds (microprice_checks.kind, warmup.kind, ...)
    "equity",
    "free_margin",
    "usable_margin",
    "margin_used",
    "crossed_bid",
    "crossed_ask",
    "bbo_crossing",
    "drift_capped",
    "ema_reset",
    "quote_inputs",
    "trace_micro",
    "progress",
    "incomplete",
    "gate",
    "calibration_met",
    "calibration_timeout",
    "first_quote",
    "reduced",
    "configured",
    "empty",
    "capacity",
    "entropy_bids",
    "entropy_asks",
    "enabled",
    "condition",
    "triggered",
    "verdict_triggered",
    "verdict_not_triggered",
    "status",
    "postmortem",
    "stuck_inventory",
    "mismatch",
    "in_sync",
    "order_state",
    "stale_order",
    "throttle_5pct",
    "throttle_1pct",
    "throttle_10pct",
    "exhausted_1pct",
    "http_429",
    "shadow_spread",
    "pnl",
    "edge",
    "adverse",
    "cycle",
    "regime",
    "fill",
    "untracked_fill",
    "at_shutdown",
    "closed",
    "metrics",
    "initial",
    "verified",
    "reconcile",
    "unified",
    "quote_positions",
    "cycle_summary",
    "cycle_complete",
    "bbo_crossing_skip",
    "mid",
    "micro",
    "mask",  # the two kinds of rows of sql/seeds/secret_shapes.csv (warn_taxonomy.sql masks with them)
    "part",
}


def catalogue_rows() -> list[dict[str, str]]:
    with CATALOGUE_PATH.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_seed_is_well_formed_and_covers_every_era() -> None:
    rows = catalogue_rows()
    assert check_catalogue() == len(rows) > 100
    eras = {era for row in rows for era in row["eras"].split("|") if era}
    assert eras == set(ERAS)
    for row in rows:  # every row cites its call site (file:line@commit) or a fixture line
        assert re.match(r"^(src/\S+:\d+@[0-9a-f]{7}|fixture:\S+:\d+)", row["source"]), row


def test_a_bad_row_is_a_one_line_error(tmp_path: Path) -> None:
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    bad = tmp_path / "messages.csv"
    bad.write_text(text + "fill_tracked,fill,glob,[Fill]*,INFO,,,,jan-2026,,,x,\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"messages.csv line \d+: match must be one of"):
        check_catalogue(bad)
    bad.write_text(
        text + "fill_untracked,fill,exact,Market maker stopped.,INFO,,,,jan-2026,,,x,\n", encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match="is already kind 'mm_stopped'"):
        check_catalogue(bad)


def test_every_kind_read_by_sql_or_rules_is_in_the_catalogue() -> None:
    known = {row["kind"] for row in catalogue_rows()}
    read: dict[str, set[str]] = {}
    for path in [
        *SQL_DIR.glob("staging/*.sql"),
        *SQL_DIR.glob("audit/*.sql"),
        *SQL_DIR.glob("rules/*.sql"),
        *SQL_DIR.glob("live/*.sql"),
        *SQL_DIR.glob("report/*.sql"),
    ]:
        for group in KIND_LITERAL.findall(path.read_text(encoding="utf-8")):
            for kind in re.findall(r"'([a-z0-9_]+)'", group):
                read.setdefault(kind, set()).add(path.name)
    for suite in load_rules(EXPECTATIONS_DIR):
        for rule in suite.rules:
            for kind in rule.kinds:
                read.setdefault(kind, set()).add(rule.rule_id)
    unknown = {k: sorted(v) for k, v in read.items() if k not in known and k not in DERIVED}
    assert unknown == {}


def test_each_template_is_classified_as_its_own_kind() -> None:
    """Exact templates and the literal text of prefix templates classify as their row's kind: no
    other template is more specific than the one written for a message."""
    con = duckdb.connect()
    load_catalogue(con)
    rows = con.execute(
        "select kind, pattern, message_kind(pattern) from stg_catalogue where match in ('exact', 'prefix')"
    ).fetchall()
    assert rows
    wrong = [(kind, pattern, got) for kind, pattern, got in rows if got != kind]
    assert wrong == []
