"""Supervision of the bot: start it, pull its log while it runs, alert live, restart or not.

* ``process``: the bot as a child process (per-run log path, stderr captured, graceful stop).
* ``live``: pull the new lines and evaluate the live rules of ``sql/live/conditions.sql``.
* ``alerts``: an alert goes to ``<out>/live_alerts/*.json``, DuckDB table ``live_alerts`` and a webhook.
* ``policy``: how a run ended (graceful, operator stop, kill switch, crash, start-up failure) and
  whether to restart it.
* ``runner``: the loop tying these together (``supervise``), used by ``mmwatch supervise`` and the
  ``supervise-bot`` flow.
"""

from mmwatch.supervisor.runner import RunRecord, SuperviseOptions, SuperviseOutcome, supervise

__all__ = ["RunRecord", "SuperviseOptions", "SuperviseOutcome", "supervise"]
