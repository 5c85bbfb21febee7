"""Failures told apart: why a workflow on a live target did not complete, and back-pressure.

"errors 100%" says nothing an engineer can act on. Each workflow that ends in error is put in
one class (``evalkit.metrics.ERROR_CLASSES``) by the answer that ended it:

- ``connection_refused``: nothing listens at the target's port;
- ``connect_timeout``: the connection was not accepted within the connect timeout;
- ``read_timeout``: connected, but no answer within the request timeout;
- ``http_4xx`` / ``http_5xx``: the engine answered with an error code it was not told means
  "failed" (a ``failed_status``): the request or the engine is broken, not the workflow;
- ``protocol``: the answer could not be read as the target says it would: an id pointer that is
  not there, a status value in none of the done, failed and pending lists, or a connection that
  broke mid-exchange.

**Back-pressure** is apart: a 429 or 503 is the engine asking to be called later, not a lost
workflow. A start call answered so on every try is ``rejected``, and its share of the stage's
starts is reported; a study that allows start retries waits for the answer's ``Retry-After``
first. A workflow whose start call never got an answer has no cycle time: there is nothing the
engine did to time.
"""

from __future__ import annotations

import email.utils
import math
import time
from typing import Any

from evalkit.load.recording import StageRecord
from evalkit.metrics import ERROR_CLASSES

__all__ = ["BACK_PRESSURE", "describe_errors", "error_class", "failure_metrics", "retry_after"]

#: HTTP codes that mean "too busy now, call again later".
BACK_PRESSURE = frozenset({429, 503})
_TIMEOUT_WORDS = ("timeout", "timed out")
_REFUSED_WORDS = ("refused", "errno 111")
_SHORT = {
    "connection_refused": "refused",
    "connect_timeout": "connect-timeout",
    "read_timeout": "read-timeout",
    "http_4xx": "4xx",
    "http_5xx": "5xx",
    "protocol": "protocol",
}


def _is_timeout(error: BaseException) -> bool:
    return isinstance(error, TimeoutError) or any(word in str(error).lower() for word in _TIMEOUT_WORDS)


def error_class(status: int, error: BaseException | None, elapsed: float, connect_timeout: float) -> str | None:
    """The class of a failed request (``None``: the request got an answer with a non-error code).

    ``status`` is the HTTP code (0 when there was no answer). The HTTP client does not say
    whether a timeout hit the connect or the read; the connect timeout is kept at most half the
    request timeout, so a timeout that struck before one and a half connect timeouts had passed
    is taken to be the connect.
    """
    if error is not None and not status:
        if isinstance(error, ConnectionRefusedError) or any(w in str(error).lower() for w in _REFUSED_WORDS):
            return "connection_refused"
        if _is_timeout(error):
            return "connect_timeout" if elapsed < 1.5 * connect_timeout else "read_timeout"
        return "protocol"  # the connection broke mid-exchange (reset, closed, not HTTP)
    if 400 <= status < 500:
        return "http_4xx"
    if status >= 500:
        return "http_5xx"
    return None


def retry_after(headers: Any, default: float, now: float | None = None) -> float:
    """Seconds to wait as the answer's ``Retry-After`` says (seconds or an HTTP date), else ``default``."""
    value = None if headers is None else headers.get("Retry-After")
    if not value:
        return default
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value)).timestamp()
    except (TypeError, ValueError, IndexError):
        return default
    return max(when - (time.time() if now is None else now), 0.0)


def failure_metrics(record: StageRecord) -> dict[str, float]:
    """A stage's back-pressure, requests per workflow and errors per class (cohort counts)."""
    counts = record.counts
    ended = sum(counts.get(name, 0) for name in ("completed", "failed", "lost", "timeouts", "rejected"))
    started = counts["started"]
    metrics = {
        "rejected": float(counts.get("rejected", 0)),
        "rejected_share": counts.get("rejected", 0) / started if started else math.nan,
        "requests_per_workflow": counts.get("requests", 0) / ended if ended else math.nan,
    }
    for name in ERROR_CLASSES:
        metrics[f"errors_{name}"] = float(counts.get(f"errors_{name}", 0))
    return metrics


def describe_errors(metrics: dict[str, float]) -> str:
    """One short line of a stage's error classes and back-pressure, e.g. ``5xx 12, refused 3``; ``-`` for none."""
    parts = []
    for name in ERROR_CLASSES:
        count = metrics.get(f"errors_{name}", 0.0)
        if count and not math.isnan(count):
            parts.append(f"{_SHORT[name]} {count:.0f}")
    rejected = metrics.get("rejected", 0.0)
    if rejected and not math.isnan(rejected):
        share = metrics.get("rejected_share", math.nan)
        parts.append(f"rejected {rejected:.0f}" + ("" if math.isnan(share) else f" ({share:.1%})"))
    return ", ".join(parts) or "-"
