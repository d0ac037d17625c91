"""The supervision loop: start the bot, watch its log live, stop it on request, audit, restart or not.

One ``supervise`` call may start the bot several times (restarts after a crash or a start-up
failure); each start is a run with its own log file, live alerts and post-session audit. A stop
request (SIGTERM/SIGINT to mmwatch, the flow run cancelled) becomes SIGINT to the bot's process
group, then SIGKILL after ``shutdown_timeout_s``; what is left of the group once the bot exited
(its forked children) is ended too, whatever the end; the log is pulled and audited in every case.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from mmwatch.config import Settings
from mmwatch.masking import mask_text
from mmwatch.supervisor.alerts import LiveAlert
from mmwatch.supervisor.live import LiveWatch
from mmwatch.supervisor.policy import (
    RESTARTABLE,
    RunEnd,
    classify_end,
    describe_exit,
    restart_delay,
    should_restart,
    stderr_headline,
)
from mmwatch.supervisor.process import GROUP_GRACE_S, BotProcess, check_command

TICK_S = 0.1  # how often the child and the stop request are looked at
Log = Callable[[str], None]


@dataclass
class RunRecord:
    run_no: int
    log_file: str
    started_at: str
    pid: int | None = None
    ended_at: str | None = None
    exit_code: int | None = None
    end: str | None = None
    stderr: str = ""
    alerts: list[dict[str, Any]] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    audit_exit_code: int | None = None
    audit_error: str | None = None
    restart_in_s: float | None = None


@dataclass
class SuperviseOutcome:
    supervise_id: str
    runs: list[RunRecord]
    stopped_by_operator: bool
    exit_code: int

    def summary(self) -> dict[str, Any]:
        return {
            "supervise_id": self.supervise_id,
            "exit_code": self.exit_code,
            "stopped_by_operator": self.stopped_by_operator,
            "runs": [
                {"run_no": r.run_no, "log_file": r.log_file, "pid": r.pid, "started_at": r.started_at,
                 "ended_at": r.ended_at, "exit_code": r.exit_code, "end": r.end, "stderr": r.stderr,
                 "alerts": [{k: a[k] for k in ("rule_id", "severity", "detected_at")} for a in r.alerts],
                 "reports": r.reports, "audit_exit_code": r.audit_exit_code, "audit_error": r.audit_error,
                 "restart_in_s": r.restart_in_s}
                for r in self.runs
            ],
        }


@dataclass
class SuperviseOptions:
    """What to run and where; the timing comes from ``Settings`` (``pull_every_s`` ...)."""

    command: list[str]
    audit: bool = True


class StopRequest:
    """Set by SIGTERM/SIGINT to mmwatch, or by a caller (flow run cancelled, tests)."""

    def __init__(self, extra: Callable[[], bool] | None = None) -> None:
        self._event = threading.Event()
        self._extra = extra
        self.reason: str | None = None

    def set(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def __call__(self) -> bool:
        if not self._event.is_set() and self._extra is not None and self._extra():
            self.set("flow run cancelled")
        return self._event.is_set()


@contextmanager
def stop_on_signals(stop: StopRequest) -> Iterator[None]:
    """Turn SIGTERM/SIGINT into a stop request while supervising (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        stop.set(f"{signal.Signals(signum).name} received")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _wait(seconds: float, stop: StopRequest) -> bool:
    """Sleep up to ``seconds``; ``True`` when a stop was requested meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stop():
            return True
        time.sleep(min(TICK_S, max(0.0, deadline - time.monotonic())))
    return stop()


def _run_once(settings: Settings, command: Sequence[str], supervise_id: str, run_no: int, stop: StopRequest,
              log: Log) -> tuple[RunRecord, LiveWatch, bool]:
    """Start the bot once and watch it until it exits.

    Returns the run's record, its live watch, and whether we asked the bot to stop.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_file = settings.log_dir_path / f"mm_{stamp}_{supervise_id}_r{run_no}.log"
    bot = BotProcess(command, log_file, log_file.with_suffix(".stderr"))
    record = RunRecord(run_no, str(log_file), _now())
    watch = LiveWatch(settings, log_file, supervise_id, run_no,
                      on_alert=lambda a: log(f"ALERT [{a['severity']}] {a['rule_id']}: {a['summary'][:200]}"))
    bot.start()
    record.pid = bot.pid
    log(f"run {run_no}: started pid {bot.pid}, log {log_file}")
    next_check = time.monotonic() + settings.pull_every_s
    interrupted_at: float | None = None
    killed = False
    try:
        while (code := bot.poll()) is None:
            if interrupted_at is None and stop():
                log(f"run {run_no}: stopping the bot (SIGINT), reason: {stop.reason}")
                bot.interrupt()
                interrupted_at = time.monotonic()
            elif interrupted_at is not None and not killed \
                    and time.monotonic() - interrupted_at > settings.shutdown_timeout_s:
                log(f"run {run_no}: no graceful exit after {settings.shutdown_timeout_s:.0f} s, SIGKILL")
                bot.kill()
                killed = True
            if time.monotonic() >= next_check:
                _checked(lambda: (watch.check(), watch.heartbeat(alive=bot.poll() is None)), run_no, log)
                next_check = time.monotonic() + settings.pull_every_s
            time.sleep(TICK_S)
    except BaseException:
        # mmwatch itself is failing: never leave the bot running unsupervised in its own session
        _stop_now(bot, settings.shutdown_timeout_s)
        raise
    if bot.end_group(min(GROUP_GRACE_S, settings.shutdown_timeout_s)):
        log(f"run {run_no}: processes the bot started were still running after it exited: ended")
    record.exit_code = code
    record.ended_at = _now()
    record.stderr = mask_text(bot.stderr_tail())  # leaves the machine in summaries, alerts, --json
    _checked(lambda: watch.check(final=True), run_no, log)
    return record, watch, interrupted_at is not None


def _checked(step: Callable[[], object], run_no: int, log: Log) -> None:
    """Run a live check or raise an alert; a failure (DuckDB file locked by another process, full
    disk) is reported (and a check retried at the next interval): it does not end the supervision."""
    try:
        step()
    except Exception as exc:  # noqa: BLE001
        log(f"run {run_no}: live check failed, retrying next interval: {type(exc).__name__}: {exc}")


def _stop_now(bot: BotProcess, timeout_s: float) -> None:
    bot.interrupt()
    deadline = time.monotonic() + timeout_s
    while bot.poll() is None and time.monotonic() < deadline:
        time.sleep(TICK_S)
    bot.kill()
    bot.end_group(0)


def _end_alert(end: RunEnd, record: RunRecord, watch: LiveWatch, supervise_id: str) -> LiveAlert | None:
    exit_text = describe_exit(record.exit_code if record.exit_code is not None else 0)
    headline = stderr_headline(record.stderr)
    said = f"market_maker ended with {exit_text}" + (f": {headline}" if headline else "")
    common = {"log_file": record.log_file, "source_id": watch.source_id, "exit_code": record.exit_code}
    if end is RunEnd.CRASH:
        return LiveAlert(supervise_id, record.run_no, "BOT-CRASH", "critical", "Bot crashed", said,
                         stderr=record.stderr or None, **common)
    if end is RunEnd.STARTUP_FAILURE:
        return LiveAlert(supervise_id, record.run_no, "BOT-STARTUP-FAILURE", "critical",
                         "Bot failed to start", said, stderr=record.stderr or None, **common)
    if end is RunEnd.GRACEFUL:
        return LiveAlert(supervise_id, record.run_no, "BOT-STOPPED", "high", "Bot stopped on its own",
                         f"{said}, without a kill switch or a stop request; not restarted", **common)
    if end is RunEnd.KILL_SWITCH:  # the live rule alerted already unless the line came with the last pull
        return LiveAlert(supervise_id, record.run_no, "KILL-SWITCH", "critical", "Kill switch triggered",
                         f"{said}: the bot stopped itself; not restarted", **common)
    return None


def _audit(settings: Settings, record: RunRecord, log: Log) -> None:
    """The full post-session audit of the run's log (reports, publishing, report alerts)."""
    from flows.audit_session import audit_logs
    from mmwatch.ingest import InputError

    path = Path(record.log_file)
    if not path.exists() or path.stat().st_size == 0:
        record.audit_error = "the bot wrote no log"
        log(f"run {record.run_no}: no log written, nothing to audit")
        return
    try:
        outcome = audit_logs(settings, [path])
    except InputError as exc:
        record.audit_error = str(exc)
        log(f"run {record.run_no}: not audited: {exc}")
        return
    except Exception as exc:  # noqa: BLE001 - a failed audit must not end the bot's supervision
        record.audit_error = f"{type(exc).__name__}: {exc}"
        log(f"run {record.run_no}: audit failed: {record.audit_error} (the log stays in the store; "
            f"audit it later with `mmwatch audit {path}`)")
        return
    record.reports = [s.report_dir for s in outcome.sessions]
    record.audit_exit_code = outcome.exit_code
    for s in outcome.sessions:
        log(f"run {record.run_no}: session {s.session_id} end={s.report['session']['end']} "
            f"report={s.report_dir}")


def _absolute(settings: Settings) -> Settings:
    """The same settings with absolute folders: the bot and the audit may not share our working directory."""
    return settings.model_copy(update={
        "db": settings.db_path.resolve(), "out": settings.out_dir.resolve(),
        "log_dir": settings.log_dir_path.resolve(),
    })


def supervise(settings: Settings, options: SuperviseOptions, stop: StopRequest | None = None,
              log: Log = print) -> SuperviseOutcome:
    """Supervise the bot until it stops for good (see module docstring); return every run's record."""
    check_command(options.command)
    raw_log = log
    log = lambda text: raw_log(mask_text(text))  # noqa: E731  what we print may quote the bot's stderr
    settings = _absolute(settings)
    stop = stop or StopRequest()
    supervise_id = uuid.uuid4().hex[:8]
    runs: list[RunRecord] = []
    restarts = 0
    exit_code = 0
    with stop_on_signals(stop):
        while True:
            record, watch, we_stopped = _run_once(settings, options.command, supervise_id, len(runs) + 1,
                                                  stop, log)
            runs.append(record)
            end = classify_end(record.exit_code or 0, watch.kill_switch, we_stopped)
            record.end = end.value
            headline = stderr_headline(record.stderr)
            log(f"run {record.run_no}: {end.value} ({describe_exit(record.exit_code or 0)})"
                + (f"; stderr: {headline}" if headline else ""))
            alert = _end_alert(end, record, watch, supervise_id)
            if alert is not None:
                _checked(partial(watch.raise_alert, alert), record.run_no, log)
            if options.audit:
                _audit(settings, record, log)
            record.alerts = watch.alerts
            exit_code = max(exit_code, record.audit_exit_code or 0)
            if should_restart(end, restarts, settings.max_restarts) and not stop():
                delay = restart_delay(restarts, settings.restart_backoff_s, settings.restart_backoff_max_s)
                record.restart_in_s = delay
                log(f"run {record.run_no}: restarting in {delay:g} s "
                    f"({restarts + 1}/{settings.max_restarts})")
                restarts += 1
                if not _wait(delay, stop):
                    continue
            if end in RESTARTABLE:
                if not stop():
                    limit = LiveAlert(supervise_id, record.run_no, "BOT-RESTART-LIMIT", "critical",
                                      "Bot not restarted any more",
                                      f"{restarts} restart(s) done, limit {settings.max_restarts}; last run: "
                                      f"{end.value} ({describe_exit(record.exit_code or 0)})",
                                      record.log_file, watch.source_id, exit_code=record.exit_code)
                    _checked(partial(watch.raise_alert, limit), record.run_no, log)
                    record.alerts = watch.alerts
                exit_code = max(exit_code, 1)
            elif end is RunEnd.KILL_SWITCH:
                exit_code = max(exit_code, 1)
            break
    return SuperviseOutcome(supervise_id, runs, stop(), exit_code)
