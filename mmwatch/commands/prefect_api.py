"""Check the Prefect API before a command runs as a flow run.

A flow run against a server that is down fails deep inside Prefect's client, after the logs were
opened, with a long traceback (it read as exit 3, "a bug"). The API is the user's setting
(``PREFECT_API_URL``, or the Prefect profile's), so an unreachable one is bad usage: one line,
exit 2, suggesting ``--no-prefect`` (the same audit as plain calls, no server needed).

No URL at all is fine: Prefect then starts a temporary local server for the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mmwatch.cli import UsageError

T = TypeVar("T")

#: Seconds the health check waits for an answer: a stopped server refuses at once; a host that
#: drops packets would otherwise hold the command for Prefect's 60 s request timeout.
HEALTH_TIMEOUT_S = 5.0


def api_url() -> str | None:
    """The Prefect API the client will use (environment first, then the active profile)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def unreachable_line(url: str, error: object) -> str:
    return (f"the Prefect API at {url} does not answer ({type(error).__name__}: "
            f"{' '.join(str(error).split()) or 'no detail'}); start the server, fix PREFECT_API_URL, "
            f"or run with --no-prefect")


def require_api() -> None:
    """Raise ``UsageError`` (one line) when a Prefect API is configured and does not answer."""
    url = api_url()
    if not url:
        return
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True, httpx_settings={"timeout": HEALTH_TIMEOUT_S}) as client:
            error = client.api_healthcheck()
    except Exception as exc:  # a URL the client cannot even use (no scheme, bad port ...)
        error = exc
    if error is not None:
        raise UsageError(unreachable_line(url, error))


def is_api_failure(exc: BaseException) -> bool:
    """Whether ``exc`` (raised by a flow run) is the API going away: a transport error of the HTTP
    client Prefect uses, raised as is or as the cause of Prefect's own error ("Failed to reach
    API"). Our own HTTP calls (alerts, S3) never raise these out of a run."""
    import httpx

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, httpx.TransportError):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def run_flow(call: Callable[[], T]) -> T:
    """Check the API, then ``call()`` (a flow run); the API failing on the way is one line too."""
    require_api()
    try:
        return call()
    except Exception as exc:
        if is_api_failure(exc):
            raise UsageError(unreachable_line(api_url() or "PREFECT_API_URL", exc)) from None
        raise
