"""One workflow's journey through the target's API, timed from its intended start.

A workflow greenlet sends the start request, then either reads the outcome from the synchronous
answer or polls the status URL until a done or failed value (or status code), a deadline, or the
end of the stage's drain (when the stage kills it: a timeout). Every duration is measured from
the *intended* start, so a late send or a slow answer shows in the latency instead of hiding
(coordinated omission). HTTP requests go through ``LeanSession`` (geventhttpclient without the
browser layers, ``evalkit.load.generator.transport``), which reports each to Locust's request
event, so Locust's own statistics see every real request and nothing else: workflow metrics go
to the ``StageRecorder``.

**What each workflow leaves behind**, beside its outcome: how many requests it sent (starts,
retries and polls: polls are load the platform serves), and, when it ended in error, the class
of the answer that ended it (``evalkit.load.failures``). A start answered 429/503 is
back-pressure: retried after ``Retry-After`` when the target allows start retries, else the
workflow is ``rejected``. A start call that got no answer at all (refused, timed out) leaves the
workflow ``lost`` with no cycle time: nothing the engine did can be timed.

**Between stages** (``settle``): workflows given up on at a drain's end may still be running on
a live target, and would load the next stage. Their ids are kept, followed until they end (up to
a timeout), and those still running then are the stage's *spill* into the next one.

**Polling without drowning the generator.** Polls grow with the backlog over the poll interval,
so a saturated target could make the generator, not the target, the bottleneck. At most
``MAX_POLLS_IN_FLIGHT`` polls of one process are outstanding at once; a workflow whose poll had
to wait for a free slot, or was answered 429/503 or not at all, doubles its own poll interval (up
to ``MAX_BACKOFF`` times the configured one) and an ordinary "still running" answer halves it
again. Every sleep between polls is jittered, so backed-off workflows do not poll in lockstep.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid as uuids
from typing import Any
from urllib.parse import quote

import gevent
import gevent.lock

from evalkit.load.failures import BACK_PRESSURE, error_class, retry_after
from evalkit.load.generator.transport import LeanSession
from evalkit.load.generator.tuning import resolve_inline_if_literal
from evalkit.load.recording import Outcome, StageRecorder
from evalkit.load.spec import GeneratorSpec
from evalkit.load.targets import (
    check_host_allowed,
    classify_status,
    expand_target,
    render_body,
    render_text,
    resolve_pointer,
)
from evalkit.study import Target

__all__ = ["MAX_BACKOFF", "MAX_POLLS_IN_FLIGHT", "WorkflowClient", "client_for"]

#: Status polls one generator process keeps outstanding at most; more wait for a free slot.
MAX_POLLS_IN_FLIGHT = 200
#: A backed-off workflow polls at most this many times less often than ``poll_interval``.
MAX_BACKOFF = 8.0

_START = "start workflow"
_POLL = "poll status"
_SETTLE = "poll status between stages"


class _AnswerError(Exception):
    """An answer that ends (or, for a poll, marks) a workflow in error of one class."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _Journey:
    """One workflow's running tally: requests sent, and the class of its last failed answer."""

    __slots__ = ("error", "requests", "workflow_id")

    def __init__(self) -> None:
        self.requests = 0
        self.error: str | None = None
        self.workflow_id: str | None = None  # known once the start call answered with one


class WorkflowClient:
    """Starts and follows workflows on one target (whose ``${NAME}`` references are already expanded)."""

    def __init__(
        self,
        session: LeanSession,
        target: Target,
        headers: dict[str, str],
        late_after: float,
        jitter: random.Random | None = None,
        connect_timeout: float = 10.0,
    ) -> None:
        self.session = session
        self.target = target
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
        self.late_after = late_after
        self.connect_timeout = connect_timeout
        self._complaints = 0
        self._poll_slots = gevent.lock.BoundedSemaphore(MAX_POLLS_IN_FLIGHT)
        self._jitter = jitter if jitter is not None else random.Random(0)
        start = target.start
        # The scheduler draws seeded UUIDs for the body; a path or id template needs one too.
        self._needs_uuid = "{{uuid}}" in start.path + (start.id or "")
        #: Workflows given up on at a drain's end (by id; ``None``: started, id never learnt):
        #: the target may still be running them (``settle``).
        self.given_up: list[str | None] = []

    def run(
        self, recorder: StageRecorder, offset: float, intended: float, seq: int, uuid: str, workflow_type: str = ""
    ) -> None:
        """One workflow, from its intended start (``time.monotonic()`` seconds) to its end.

        ``workflow_type``: a mix's type for this workflow, which the start call carries (``{{type}}``)
        and the recorder counts it under; "" without a mix.
        """
        recorder.started(offset, time.monotonic() - intended, self.late_after, workflow_type)
        if not uuid and self._needs_uuid:
            uuid = str(uuids.uuid4())
        journey = _Journey()
        ended = False
        kind = workflow_type
        try:
            outcome = self._follow(recorder, journey, offset, intended, seq, uuid, workflow_type)
            ended = True
            error = journey.error if outcome in ("lost", "timeout") else None
            elapsed = time.monotonic() - intended
            recorder.ended(offset, outcome, elapsed, error=error, requests=journey.requests, workflow_type=kind)
        except Exception as failure:  # noqa: BLE001 - a target answering nonsense must not stop the load test
            ended = True
            self._complain(failure)
            elapsed = time.monotonic() - intended
            recorder.ended(offset, "lost", elapsed, error="protocol", requests=journey.requests, workflow_type=kind)
        finally:
            if not ended:  # killed at the end of the drain: given up on
                elapsed = time.monotonic() - intended
                recorder.ended(offset, "timeout", elapsed, requests=journey.requests, workflow_type=kind)
                if journey.requests:
                    self.given_up.append(journey.workflow_id)

    def _follow(
        self,
        recorder: StageRecorder,
        journey: _Journey,
        offset: float,
        intended: float,
        seq: int,
        uuid: str,
        workflow_type: str = "",
    ) -> Outcome:
        start = self.target.start
        workflow_id = render_text(start.id, seq, uuid, "", workflow_type) if start.id is not None else ""
        path = render_text(start.path, seq, uuid, workflow_id, workflow_type)
        rendered = None if start.body is None else render_body(start.body, seq, uuid, workflow_id, workflow_type)
        body = None if rendered is None else json.dumps(rendered)
        response, elapsed = self._start(journey, path, body, intended)
        code = response.status_code or 0
        if not code:  # no answer at all: no cycle time, an error of its class
            journey.error = error_class(0, getattr(response, "error", None), elapsed, self.connect_timeout)
            return "lost"
        recorder.start_answered(offset, time.monotonic() - intended)
        if code in BACK_PRESSURE:
            return "rejected"
        try:
            if self.target.completion.mode == "sync":
                return self._judge(response, synchronous=True) or "completed"
            if not 200 <= code < 300:
                raise _AnswerError(error_class(code, None, elapsed, self.connect_timeout) or "protocol")
            if start.id is None:
                try:
                    workflow_id = str(resolve_pointer(_json(response), start.id_pointer))
                except LookupError:
                    raise _AnswerError("protocol") from None
        except _AnswerError as failure:
            journey.error = failure.kind
            return "lost"
        journey.workflow_id = workflow_id
        return self._poll(recorder, journey, workflow_id, intended - offset, intended)

    def _start(self, journey: _Journey, path: str, body: str | None, intended: float) -> tuple[Any, float]:
        """Send the start call, retrying back-pressure as the target allows; the last answer and its duration."""
        start = self.target.start
        deadline = intended + self.target.workflow_timeout
        tries = 0
        while True:
            journey.requests += 1
            sent = time.monotonic()
            response = self.session.request(start.method, path, name=_START, data=body, headers=self.headers)
            elapsed = time.monotonic() - sent
            if (response.status_code or 0) not in BACK_PRESSURE or tries >= start.retries:
                return response, elapsed
            wait = retry_after(getattr(response, "headers", None), start.retry_delay)
            if time.monotonic() + wait >= deadline:
                return response, elapsed
            tries += 1
            gevent.sleep(wait)

    def _judge(self, response: Any, *, synchronous: bool) -> Outcome | None:
        """What an answer says: an outcome, ``None`` while running, or a ``_AnswerError`` of its class."""
        completion = self.target.completion
        code = response.status_code or 0
        if code in completion.pending_status:
            return None
        if code in completion.failed_status:
            return "failed"
        expected = code in completion.done_status if completion.done_status else 200 <= code < 300
        if not expected:
            raise _AnswerError(error_class(code, None, 0.0, self.connect_timeout) or "protocol")
        if completion.status_pointer is None:
            return "completed"
        try:
            value = resolve_pointer(_json(response), completion.status_pointer)
        except LookupError:
            if synchronous:  # a synchronous answer means the workflow is over, field or not
                return "completed"
            if not completion.pending:  # e.g. a long poll that timed out with no event yet
                return None
            raise _AnswerError("protocol") from None
        try:
            status = classify_status(value, completion)
        except ValueError:
            raise _AnswerError("protocol") from None
        return status or ("completed" if synchronous else None)

    def _poll(
        self, recorder: StageRecorder, journey: _Journey, workflow_id: str, origin: float, intended: float
    ) -> Outcome:
        completion = self.target.completion
        path = completion.status_path.replace("{id}", quote(workflow_id, safe=""))
        deadline = intended + self.target.workflow_timeout
        base = interval = completion.poll_interval
        while time.monotonic() < deadline:
            pause = interval * self._jitter.uniform(0.9, 1.1)
            gevent.sleep(min(pause, max(deadline - time.monotonic(), 0)))
            crowded = self._poll_slots.locked()
            with self._poll_slots:
                recorder.polled(time.monotonic() - origin)
                journey.requests += 1
                sent = time.monotonic()
                response = self.session.request("GET", path, name=_POLL, headers=self.headers)
            code = response.status_code or 0
            if not code or code in BACK_PRESSURE:  # a failed poll is retried until the deadline
                journey.error = error_class(code, getattr(response, "error", None), time.monotonic() - sent, 0.0)
                interval = min(interval * 2, base * MAX_BACKOFF)
                continue
            try:
                status = self._judge(response, synchronous=False)
            except _AnswerError as failure:
                journey.error = failure.kind
                if failure.kind == "protocol" and completion.pending:
                    return "lost"  # a status value the target's lists do not know: reading on cannot help
                interval = min(interval * 2, base * MAX_BACKOFF)
                continue
            if status is not None:
                return status
            interval = min(interval * 2, base * MAX_BACKOFF) if crowded else max(interval / 2, base)
        return "timeout"

    def settle(self, timeout: float) -> int:
        """Follow the workflows given up on until they end on the target, for up to ``timeout``
        seconds; how many are still running then (they spill into the next stage).

        Polled at the target's own interval, outside every stage's counts. A workflow whose id
        was never learnt, or whose status the target will not tell, counts as still running.
        """
        given_up, self.given_up = self.given_up, []
        deadline = time.monotonic() + max(timeout, 0.0)
        unknown = sum(1 for workflow_id in given_up if workflow_id is None)
        followers = [gevent.spawn(self._ended_by, w, deadline) for w in given_up if w is not None]
        gevent.joinall(followers, timeout=max(timeout, 0.0) + 5)
        gevent.killall(followers, timeout=1)
        return unknown + sum(1 for follower in followers if follower.value is not True)

    def _ended_by(self, workflow_id: str, deadline: float) -> bool:
        """Whether the target says the workflow has ended before ``deadline``."""
        completion = self.target.completion
        path = completion.status_path.replace("{id}", quote(workflow_id, safe=""))
        while True:
            with self._poll_slots:
                response = self.session.request("GET", path, name=_SETTLE, headers=self.headers)
            try:
                if (response.status_code or 0) not in BACK_PRESSURE and self._judge(response, synchronous=False):
                    return True
            except _AnswerError:
                pass  # not told: keep asking until the deadline
            if time.monotonic() + completion.poll_interval >= deadline:
                return False
            gevent.sleep(completion.poll_interval)

    def _complain(self, error: Exception) -> None:
        self._complaints += 1
        if self._complaints <= 5:
            print(f"evalkit generator: workflow ended as lost: {type(error).__name__}: {error}", file=sys.stderr)


def client_for(spec: GeneratorSpec, request_event: Any) -> WorkflowClient:
    """A client for the spec's target whose requests fire ``request_event`` (Locust's statistics)."""
    # Variables are expanded here, from this process's environment and under its allow-list
    # (evalkit.load.targets): a remote worker needs its own.
    target = expand_target(Target.model_validate(spec.target))
    check_host_allowed(target.base_url)
    synchronous = target.completion.mode == "sync"
    # Shorter than the request timeout, so a timeout can be told to be the connect's (failures.error_class).
    connect_timeout = min(target.timeout / 2, 5.0)
    session = LeanSession(
        target.base_url,
        request_event,
        concurrency=spec.max_in_flight,
        network_timeout=max(target.timeout, target.workflow_timeout) if synchronous else target.timeout,
        connection_timeout=connect_timeout,
        max_retries=1,  # a stale keep-alive connection, not a slow target: the poll loop retries itself
    )
    resolve_inline_if_literal(target.base_url)
    return WorkflowClient(session, target, target.headers, spec.late_after, connect_timeout=connect_timeout)


def _json(response: Any) -> Any:
    """The answer as JSON; an answer that is not JSON is its text (some engines return a bare id)."""
    text = response.text
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()
