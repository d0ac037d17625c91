"""``mmwatch audit LOG... [--out DIR] [--db FILE] [--publish URL] [--fail-on SEVERITY]``.

Without ``PREFECT_API_URL`` the audit runs as plain function calls (an answer in seconds); with it,
or with ``--prefect``, it is a flow run of ``audit-session`` visible in the Prefect UI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mmwatch.cli import EXIT_USAGE, UsageError
from mmwatch.config import SEVERITIES, load_settings
from mmwatch.masking import mask_secrets, mask_text

PROGRESS_MIN_BYTES = 8 * 1024 * 1024
#: Ingest block size while a progress bar is shown: small enough for the bar to move (a 32 MB
#: default block would make a 40 MB log jump 0 -> 80 % -> 100 %), large enough to stay fast.
PROGRESS_BLOCK_BYTES = 4 * 1024 * 1024


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="audit bot session logs and write reports")
    p.add_argument("logs", nargs="+", metavar="LOG", help="log file(s) written by market_maker")
    p.add_argument("--out", help="report folder (default .mmwatch/reports, env MMWATCH_OUT)")
    p.add_argument("--db", help="DuckDB file (default .mmwatch/mmwatch.duckdb, env MMWATCH_DB)")
    p.add_argument(
        "--publish", metavar="URL", help="s3://bucket/prefix or file:///path (env MMWATCH_PUBLISH_URL)"
    )
    p.add_argument(
        "--fail-on", choices=SEVERITIES, help="exit 1 when a rule of this severity or above failed"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--prefect",
        dest="prefect",
        action="store_true",
        default=None,
        help="run as a Prefect flow run (default when PREFECT_API_URL is set)",
    )
    mode.add_argument("--no-prefect", dest="prefect", action="store_false", help="run as plain calls")
    p.add_argument("--json", action="store_true", help="print the run's digest as JSON instead of a summary")
    p.set_defaults(run=run)


def _progress_factory() -> tuple[Callable[[str, int], Any] | None, Any]:
    """A rich progress bar on stderr, when stderr is a terminal, for logs of PROGRESS_MIN_BYTES or more.

    The bar moves once per ingest block (see ``PROGRESS_BLOCK_BYTES``); once a file is read, its
    line says that the audit goes on (tables, rules, reports), so a full bar never looks stuck.
    """
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TransferSpeedColumn

    bar = Progress(
        SpinnerColumn(),
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(stderr=True),
        transient=True,
    )

    def factory(name: str, size: int) -> Callable[[int, int], None] | None:
        if size < PROGRESS_MIN_BYTES:
            return None
        base = os.path.basename(name)
        task_id = bar.add_task(f"reading {base}", total=size)

        def update(done: int, total: int) -> None:
            bar.update(task_id, completed=done, total=total)
            if done >= total:
                bar.update(task_id, description=f"read {base}; auditing (tables, rules, reports)")

        return update

    return factory, bar


def print_figures(report: dict[str, Any]) -> None:
    """Print a session's figures the moment they are known (the rules take a few seconds more)."""
    from mmwatch.report.summary import figures_text

    print(figures_text(report), end="", flush=True)


def print_verdicts(outcome_sessions: list[Any]) -> None:
    from mmwatch.report.summary import verdict_text

    for s in outcome_sessions:
        print(f"session {s.session_id}")
        print(verdict_text(s.report, s.report_dir, s.published))


def run(args: argparse.Namespace) -> int:
    """Settings first (every one validated, and the Prefect API reached, before any log is read),
    then the audit, then what a person must know: each undelivered alert on stderr, the output."""
    from mmwatch.ingest import InputError
    from mmwatch.store import StoreError

    settings = load_settings(db=args.db, out=args.out, publish_url=args.publish, fail_on=args.fail_on)
    use_prefect = args.prefect if args.prefect is not None else bool(os.environ.get("PREFECT_API_URL"))
    bar = None
    try:
        if use_prefect:
            views, exit_code = _run_flow(args, settings)
            if not args.json:
                for v in views:
                    failed = [r["id"] for r in v.report["rules"] if r["passed"] is False]
                    print(f"{v.session_id}: end={v.report['session']['end']} failed rules={failed or 'none'} "
                          f"report={v.report_dir}/report.md")
        else:
            from flows.audit_session import audit_logs

            factory, bar = _progress_factory()
            if bar is not None:
                settings.read_block_bytes = min(settings.read_block_bytes, PROGRESS_BLOCK_BYTES)
                with bar:
                    outcome = audit_logs(settings, args.logs, factory)
            else:
                outcome = audit_logs(settings, args.logs, on_figures=None if args.json else print_figures)
            views, exit_code = outcome.sessions, outcome.exit_code
    except (InputError, StoreError) as exc:
        raise UsageError(str(exc)) from None
    for line in undelivered_lines(views):
        print(f"mmwatch audit: {line}", file=sys.stderr)
    if args.json:
        print(json.dumps(json_digest(views, exit_code), indent=2, default=str))
    elif use_prefect:
        pass  # one line per session printed above
    elif bar is not None:  # the figures were not printed early: the bar owned the terminal
        from mmwatch.report.summary import summary_text

        for s in views:
            print(summary_text(s.report, s.report_dir, s.published))
    else:
        print_verdicts(views)
    return exit_code


def _run_flow(args: argparse.Namespace, settings: Any) -> tuple[list[Any], int]:
    """The audit as a flow run of ``audit-session``; its sessions read back from their report folders
    (the flow returns a small JSON digest; the reports and alert records are on this machine)."""
    from flows.audit_session import SessionAudit, audit_session
    from mmwatch.commands.prefect_api import run_flow

    digest = run_flow(lambda: audit_session(logs=list(args.logs), db=str(settings.db_path),
                                            out=str(settings.out_dir), publish=settings.publish_url,
                                            fail_on=settings.fail_on))
    views = []
    for s in digest["sessions"]:
        folder = Path(s["report_dir"])
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        views.append(SessionAudit(s["id"], s["report_dir"], report, s.get("published"),
                                  _alert_files(folder, report)))
    return views, int(digest["exit_code"])


def _alert_files(folder: Path, report: dict[str, Any]) -> list[dict[str, Any]]:
    """The alert records this audit wrote beside the report: the digest, and those of the rules that
    failed in it (a file of a rule that failed in an earlier audit only is not this audit's)."""
    failed = {r["id"] for r in report.get("rules") or [] if r.get("passed") is False}
    records = []
    for path in sorted((folder / "alerts").glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rule = record.get("rule_id") or record.get("rule")
        if record.get("kind") == "digest" or rule in failed:
            records.append(record)
    return records


def _channel_label(name: str | None) -> str:
    """A channel as a terminal may show it: a webhook by scheme and host only (its path is often
    the token: ``https://hooks.slack.com/services/T…/B…/secret``); other names are privacy-safe."""
    if not name:
        return "no channel"
    parsed = urlsplit(name)
    if parsed.scheme in ("http", "https") and parsed.hostname:
        return f"{parsed.scheme}://{parsed.hostname}{f':{parsed.port}' if parsed.port else ''}/…"
    return name


def undelivered_lines(views: list[Any]) -> list[str]:
    """One line per alert a configured channel did not take (masked). "No channel configured" is
    not a failed delivery and says nothing here: ``--json`` shows it."""
    lines = []
    for v in views:
        for record in v.alerts or []:
            delivery = record.get("delivery") or {}
            if delivery.get("delivered") is not False:
                continue
            rule = record.get("rule_id") or record.get("rule") or "?"
            for ch in delivery.get("channels") or []:
                if ch.get("delivered") or not ch.get("channel"):
                    continue
                lines.append(f"alert {rule} ({record.get('severity')}) of session {v.session_id} not "
                             f"delivered to {_channel_label(ch['channel'])} after {ch.get('attempts')} "
                             f"attempt(s): {ch.get('error')}")
    return [mask_text(" ".join(line.split())) for line in lines]


def _shown_delivery(delivery: dict[str, Any] | None) -> dict[str, Any] | None:
    """A record's delivery state with each channel named as ``_channel_label`` does."""
    if not delivery:
        return delivery
    channels = [{**ch, "channel": _channel_label(ch.get("channel")) if ch.get("channel") else None}
                for ch in delivery.get("channels") or []]
    return {**delivery, "channels": channels} if "channels" in delivery else dict(delivery)


def json_digest(views: list[Any], exit_code: int) -> dict[str, Any]:
    """What ``--json`` prints: per session the digest (verdict, counts per severity, top findings
    with their figures, kill switch, P&L, link) and every alert with its delivery state."""
    from mmwatch.alerts.digest import session_digest

    sessions = []
    for v in views:
        link = v.published or str((Path(v.report_dir) / "report.html").resolve())
        alerts = [{"alert_id": a.get("alert_id"), "kind": a.get("kind"),
                   "rule_id": a.get("rule_id") or a.get("rule"), "severity": a.get("severity"),
                   "delivery": _shown_delivery(a.get("delivery"))} for a in v.alerts or []]
        sessions.append({
            "id": v.session_id, "report_dir": v.report_dir, "published": v.published,
            "end": v.report["session"]["end"],
            "failed_rules": [r["id"] for r in v.report["rules"] if r["passed"] is False],
            "digest": session_digest(v.report, link),
            "alerts": alerts,
            "undelivered_alerts": sum(1 for a in alerts if (a["delivery"] or {}).get("delivered") is False),
        })
    return mask_secrets({"exit_code": exit_code, "sessions": sessions})


__all__ = ["register", "run", "EXIT_USAGE"]
