"""One workflow's journey through the target's API, timed from its intended start.

A workflow greenlet sends the start request, then either reads the outcome from the synchronous
answer or polls the status URL until a done or failed value, a deadline, or the end of the
stage's drain (when the stage kills it: a timeout). Every duration is measured from the
*intended* start, so a late send or a slow answer shows in the latency instead of hiding
(coordinated omission). HTTP requests go through Locust's ``FastHttpSession``, so Locust's own
statistics see every real request and nothing else: workflow metrics go to the ``StageRecorder``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any
from urllib.parse import quote

import gevent
from locust.contrib.fasthttp import FastHttpSession

from evalkit.load.recording import Outcome, StageRecorder
from evalkit.load.spec import GeneratorSpec
from evalkit.load.targets import classify_status, expand_headers, render_body, resolve_pointer
from evalkit.study import Target

__all__ = ["WorkflowClient", "client_for"]

_START = "start workflow"
_POLL = "poll status"
_TIMEOUT_WORDS = ("timeout", "timed out")


class WorkflowClient:
    """Starts and follows workflows on one target."""

    def __init__(self, session: FastHttpSession, target: Target, headers: dict[str, str], late_after: float) -> None:
        self.session = session
        self.target = target
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
        self.late_after = late_after
        self._complaints = 0

    def run(self, recorder: StageRecorder, offset: float, intended: float, seq: int, uuid: str) -> None:
        """One workflow, from its intended start (``time.monotonic()`` seconds) to its end."""
        recorder.started(offset, time.monotonic() - intended, self.late_after)
        ended = False
        try:
            outcome = self._follow(recorder, offset, intended, seq, uuid)
            ended = True
            recorder.ended(offset, outcome, time.monotonic() - intended)
        except Exception as error:  # noqa: BLE001 - a target answering nonsense must not stop the load test
            ended = True
            self._complain(error)
            recorder.ended(offset, "lost", time.monotonic() - intended)
        finally:
            if not ended:  # killed at the end of the drain: given up on
                recorder.ended(offset, "timeout", time.monotonic() - intended)

    def _follow(self, recorder: StageRecorder, offset: float, intended: float, seq: int, uuid: str) -> Outcome:
        start = self.target.start
        body = None if start.body is None else json.dumps(render_body(start.body, seq, uuid))
        response = self.session.request(start.method, start.path, name=_START, data=body, headers=self.headers)
        recorder.start_answered(offset, time.monotonic() - intended)
        if not _ok(response):
            return "timeout" if _timed_out(response) else "lost"
        document = _json(response)
        if self.target.completion.mode == "sync":
            return self._synchronous_outcome(document)
        workflow_id = resolve_pointer(document, start.id_pointer)
        return self._poll(str(workflow_id), intended)

    def _synchronous_outcome(self, document: Any) -> Outcome:
        """A synchronous answer means the workflow is over; its status field, if any, says how."""
        completion = self.target.completion
        try:
            status = classify_status(resolve_pointer(document, completion.status_pointer), completion)
        except LookupError:
            return "completed"
        return status or "completed"

    def _poll(self, workflow_id: str, intended: float) -> Outcome:
        completion = self.target.completion
        path = completion.status_path.replace("{id}", quote(workflow_id, safe=""))
        deadline = intended + self.target.workflow_timeout
        while time.monotonic() < deadline:
            gevent.sleep(min(completion.poll_interval, max(deadline - time.monotonic(), 0)))
            response = self.session.request("GET", path, name=_POLL, headers=self.headers)
            if not _ok(response):  # a failed poll is retried until the deadline
                continue
            try:
                status = classify_status(resolve_pointer(_json(response), completion.status_pointer), completion)
            except LookupError:
                continue
            if status is not None:
                return status
        return "timeout"

    def _complain(self, error: Exception) -> None:
        self._complaints += 1
        if self._complaints <= 5:
            print(f"evalkit generator: workflow ended as lost: {type(error).__name__}: {error}", file=sys.stderr)


def client_for(spec: GeneratorSpec, request_event: Any) -> WorkflowClient:
    """A client for the spec's target whose requests fire ``request_event`` (Locust's statistics)."""
    target = Target.model_validate(spec.target)
    synchronous = target.completion.mode == "sync"
    session = FastHttpSession(
        target.base_url,
        request_event=request_event,
        user=None,
        concurrency=spec.max_in_flight,
        network_timeout=max(target.timeout, target.workflow_timeout) if synchronous else target.timeout,
        connection_timeout=min(target.timeout, 10.0),
    )
    # Secrets are expanded here, from this process's environment: a remote worker needs its own.
    return WorkflowClient(session, target, expand_headers(target.headers), spec.late_after)


def _ok(response: Any) -> bool:
    return 200 <= (response.status_code or 0) < 300 and getattr(response, "error", None) is None


def _timed_out(response: Any) -> bool:
    error = getattr(response, "error", None)
    if error is None:
        return False
    return isinstance(error, TimeoutError) or any(word in str(error).lower() for word in _TIMEOUT_WORDS)


def _json(response: Any) -> Any:
    """The answer as JSON; an answer that is not JSON is its text (some engines return a bare id)."""
    text = response.text
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()
