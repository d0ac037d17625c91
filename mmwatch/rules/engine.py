"""Evaluate every rule for one session: SQL observations -> GX verdicts -> report entries + table.

``passed`` is decided here from two inputs: the SQL's ``evaluated`` flag and GX's success. A rule
whose evidence is absent is ``None`` ("not evaluated") even though GX, which ignores nulls in
column expectations, calls it a success. Results replace the session's rows in ``rule_results``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mmwatch.config import SEVERITIES
from mmwatch.rules.catalogue import RuleConfigError, RuleSpec, Suite, load_catalogue
from mmwatch.rules.gx_validate import validate
from mmwatch.rules.observe import Observation, observe_all, prepare
from mmwatch.store import read_sql

log = logging.getLogger(__name__)
MAX_EVIDENCE = 10
_RESULT_COLUMNS = ("session_id", "rule_id", "title", "severity", "passed", "observed", "threshold", "summary",
                   "failing_rows", "evaluated_at")


class RuleScopeError(RuntimeError):
    """Rules were asked for a session whose audit tables were not built on this connection."""


def entry(rule: RuleSpec, obs: Observation, gx_success: bool | None, missing: str | None = None,
          zero: str | None = None) -> dict[str, Any]:
    """One report.json ``rules`` entry. ``missing``: why the session lacks the rule's evidence
    (``sql/rules/_evidence.sql``); such a rule is not evaluated whatever its SQL observed.
    ``zero``: a counting rule counted no line; that may fail it but never pass it."""
    if missing is not None:
        obs = Observation(obs.rule_id, False, None, missing)
    elif zero is not None and obs.evaluated and gx_success:
        obs, gx_success = Observation(obs.rule_id, False, None, zero), None
    if obs.evaluated and obs.observed is not None and gx_success is None:
        raise RuleConfigError(f"rule {rule.rule_id}: GX returned no result for it")
    passed = gx_success if obs.evaluated and obs.observed is not None else None
    return {
        "id": rule.rule_id,
        "title": rule.title,
        "severity": rule.severity,
        "passed": passed,
        "observed": obs.observed if obs.evaluated else None,
        "threshold": rule.threshold,
        "summary": obs.summary if passed is not None else f"not evaluated: {obs.summary}",
        "remediation": rule.remediation,
        "kinds": list(rule.kinds),
        "evidence": obs.evidence[:MAX_EVIDENCE] if passed is False else [],
    }


def store_results(con: duckdb.DuckDBPyConnection, session_id: str, rules: list[dict[str, Any]]) -> None:
    """Replace the session's rows of ``rule_results`` (a re-audit never duplicates)."""
    now = datetime.now(UTC)
    rows = [[session_id, r["id"], r["title"], r["severity"], r["passed"], json.dumps(r["observed"]),
             None if r["threshold"] is None else str(r["threshold"]), r["summary"],
             json.dumps(r["evidence"]), now] for r in rules]
    # one insert of an Arrow batch: executemany costs one statement per rule and session
    batch = pa.table({name: [row[i] for row in rows] for i, name in enumerate(_RESULT_COLUMNS)})
    con.execute("begin transaction")
    try:
        con.execute("delete from rule_results where session_id = ?", [session_id])
        if rows:
            con.register("rule_results_batch", batch)
            try:
                con.execute("insert into rule_results select * from rule_results_batch")
            finally:
                con.unregister("rule_results_batch")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def require_scope(con: duckdb.DuckDBPyConnection, session_id: str) -> None:
    """The rule SQL reads the temp scope of ``build_audit_tables`` on this same connection."""
    try:
        rows = con.execute("select 1 from scope_sessions where session_id = ?", [session_id]).fetchall()
    except duckdb.CatalogException:
        rows = []
    if not rows:
        raise RuleScopeError(f"session {session_id} is not in this connection's audit scope "
                             "(run mmwatch.transform.build_audit_tables first)")


def evidence_gaps(con: duckdb.DuckDBPyConnection, rules: list[RuleSpec]
                  ) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """``(session id, rule id) -> reason`` for every scoped session that lacks a rule's evidence, and
    the same for the counting rules that counted no line (a zero that must not pass)."""
    gates = pa.table({
        "rule_id": [r.rule_id for r in rules if r.kinds],
        "kinds": pa.array([list(r.kinds) for r in rules if r.kinds], pa.list_(pa.string())),
        "counts": pa.array([list(r.counts) for r in rules if r.kinds], pa.list_(pa.string())),
    })
    con.register("rule_gates", gates)
    try:
        rows = con.execute(read_sql("rules/_evidence.sql")).fetchall()
    finally:
        con.unregister("rule_gates")
    missing = {(sid, rid): reason for sid, rid, has_evidence, reason, _ in rows if not has_evidence}
    zeros = {(sid, rid): zero for sid, rid, has_evidence, _, zero in rows if has_evidence and zero}
    return missing, zeros


def evaluate_sessions(con: duckdb.DuckDBPyConnection, session_ids: list[str], expectations_dir: Path,
                      docs_dir: Path | None = None, suites: list[Suite] | None = None,
                      ) -> dict[str, list[dict[str, Any]]]:
    """Report entries of every rule for each of ``session_ids``, stored in ``rule_results``.

    All sessions are judged in one GX run (one row each). ``docs_dir``: write the GX Data Docs site
    of that run there (None: no site).
    """
    if not session_ids:
        return {}
    suites = suites if suites is not None else load_catalogue(expectations_dir)
    for session_id in session_ids:
        require_scope(con, session_id)
    prepare(con)
    rules = [rule for suite in suites for rule in suite.rules]
    observations = {rule.rule_id: observe_all(con, rule, session_ids) for rule in rules}
    missing, zeros = evidence_gaps(con, rules)
    rows = [{rid: (obs[sid].observed if obs[sid].evaluated and (sid, rid) not in missing else None)
             for rid, obs in observations.items()}
            for sid in session_ids]
    run_name = session_ids[0] if len(session_ids) == 1 else f"{session_ids[0]}+{len(session_ids) - 1}"
    outcome = validate(suites, rows, run_name=run_name, docs_dir=docs_dir)
    log.debug("GX timings for %s: %s", run_name, outcome.seconds)
    results: dict[str, list[dict[str, Any]]] = {}
    for sid, success in zip(session_ids, outcome.success, strict=True):
        results[sid] = [entry(rule, observations[rule.rule_id][sid], success.get(rule.rule_id),
                              missing.get((sid, rule.rule_id)), zeros.get((sid, rule.rule_id)))
                        for rule in rules]
        store_results(con, sid, results[sid])
    return results


def evaluate_session(con: duckdb.DuckDBPyConnection, session_id: str, expectations_dir: Path,
                     docs_dir: Path | None = None, suites: list[Suite] | None = None) -> list[dict[str, Any]]:
    """Report entries of every rule of ``expectations_dir`` for one session (see ``evaluate_sessions``)."""
    return evaluate_sessions(con, [session_id], expectations_dir, docs_dir, suites)[session_id]


def exit_code_for(rules: list[dict[str, Any]], fail_on: str) -> int:
    """1 when a rule at or above ``fail_on`` failed (``passed is False``), else 0; nulls never fail."""
    if fail_on not in SEVERITIES:
        raise ValueError(f"fail_on must be one of {', '.join(SEVERITIES)}, not {fail_on!r}")
    floor = SEVERITIES.index(fail_on)
    failed = (r for r in rules if r.get("passed") is False)
    return 1 if any(SEVERITIES.index(r["severity"]) >= floor for r in failed) else 0
