"""Side-by-side load tests: members in lockstep, the caller's thread doing the posted work, failures kept."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from evalkit.load.side_by_side import Lockstep, LockstepStoppedError, Post, run_side_by_side


def _member(
    name: str, stages: int, log: list[tuple[str, str, int]], lock: threading.Lock, pause: float
) -> Callable[[Post, Callable[[], None]], None]:
    def body(post: Post, arrive: Callable[[], None]) -> None:
        for stage in range(stages):
            with lock:
                log.append(("start", name, stage))
            time.sleep(pause * (1 + stage % 2))  # members finish their stages at different times
            with lock:
                log.append(("end", name, stage))
            arrive()

    return body


def test_no_member_starts_a_stage_before_every_running_member_finished_the_previous_one() -> None:
    log: list[tuple[str, str, int]] = []
    lock = threading.Lock()
    counts = {"a": 3, "b": 2, "c": 3}  # b leaves after two stages: a and c must not wait for it
    members = [
        _member(name, stages, log, lock, pause)
        for (name, stages), pause in zip(counts.items(), (0.01, 0.03, 0.02), strict=True)
    ]
    run_side_by_side(members)
    assert sorted((n, s) for kind, n, s in log if kind == "end") == sorted(
        (n, s) for n, c in counts.items() for s in range(c)
    )
    for position, (kind, _, stage) in enumerate(log):
        if kind == "start" and stage > 0:
            earlier_ends = {(n, s) for k, n, s in log[:position] if k == "end"}
            for name, stages in counts.items():
                if stages > stage - 1:
                    assert (name, stage - 1) in earlier_ends, (log, position)


def test_posted_calls_run_in_the_calling_thread_in_order() -> None:
    seen: list[tuple[str, int, bool]] = []
    caller = threading.current_thread()

    def record(name: str, stage: int) -> None:
        seen.append((name, stage, threading.current_thread() is caller))

    def member(name: str) -> Callable[[Post, Callable[[], None]], None]:
        def body(post: Post, arrive: Callable[[], None]) -> None:
            for stage in range(3):
                post(record, name, stage)
                arrive()

        return body

    run_side_by_side([member("a"), member("b")])
    assert len(seen) == 6 and all(in_caller for _, _, in_caller in seen)
    for name in ("a", "b"):
        assert [stage for n, stage, _ in seen if n == name] == [0, 1, 2]


def test_a_failing_member_does_not_hold_the_others_and_its_error_is_raised() -> None:
    finished: list[str] = []

    def failing(post: Post, arrive: Callable[[], None]) -> None:
        arrive()
        raise RuntimeError("the platform did not start")

    def healthy(post: Post, arrive: Callable[[], None]) -> None:
        for _ in range(3):
            arrive()
        post(finished.append, "healthy")

    with pytest.raises(RuntimeError, match="did not start"):
        run_side_by_side([failing, healthy])
    assert finished == ["healthy"]


def test_a_failure_in_the_caller_stops_waiting_members() -> None:
    outcome: list[str] = []

    def broken(*arguments: object) -> None:
        raise OSError("disk full")

    def member(post: Post, arrive: Callable[[], None]) -> None:
        post(broken)
        try:
            for _ in range(3):
                arrive()  # waits for the slow member: only the caller's abort ends the wait early
        except LockstepStoppedError:
            outcome.append("stopped")
            return
        outcome.append("finished")

    def slow(post: Post, arrive: Callable[[], None]) -> None:
        time.sleep(1.0)
        arrive()

    with pytest.raises(OSError, match="disk full"):
        run_side_by_side([member, slow])
    assert outcome == ["stopped"]


def test_lockstep_abort_releases_a_waiting_member() -> None:
    lockstep = Lockstep(2)
    outcome: list[str] = []

    def wait() -> None:
        try:
            lockstep.arrive()
        except LockstepStoppedError:
            outcome.append("stopped")

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.05)
    lockstep.abort()
    thread.join(timeout=5)
    assert outcome == ["stopped"]
