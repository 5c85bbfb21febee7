"""Candidates load-tested side by side: a quick run's stages of several reference platforms at once.

A quick run of the default study offers nine load stages (three candidates × three multiples);
one after another they take nine times a stage's warm-up, window and drain, far more than the
whole rest of the run. A reference platform is an emulation that mostly sleeps (its service times
are ``asyncio`` sleeps), and its generator uses a few percent of a core, so on an otherwise quiet
machine the candidates can be measured at the same time without competing for the CPU. This
module runs one member per candidate in its own thread and keeps them **in lockstep**: every
member finishes stage *k* (window and drain) before any starts stage *k + 1*, so all candidates
are at the same multiple together and a reset or a stage's set-up never falls inside another
candidate's window. A member that ends early (no more stages, an aborted ramp, an error) leaves
the lockstep instead of holding the others.

Only the calling thread touches the run's ledger and the progress display: members ``post``
calls to it, and it runs them in order. It is **opt-in** (``evalkit run --quick
--side-by-side-load``), because the platforms do slow each other down where the machine is busy:
on the shared 2-core machine (load average 6-11), four runs each way, Event Fabric's 4x stage lost
7-10 of about 108 workflows past the drain side by side against 4-6 one after another (at 2x,
1-3 against 0-1), though p50 and p95 stayed within the spread of the one-after-another runs. Such
a stage reads as a lower bound (``≥ 2x``), never as a better figure; each stage's generator CPU
and late starts still mark a *generator-limited* stage, and the run's notes say that the stages
ran side by side. A full run and live targets never use this.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["Lockstep", "Post", "run_side_by_side"]

#: ``post(function, *arguments)``: have the calling thread run ``function(*arguments)``.
Post = Callable[..., None]
#: One member: runs its stages, posting what the caller must do and calling ``arrive`` after each.
Member = Callable[[Post, Callable[[], None]], None]


class LockstepStoppedError(RuntimeError):
    """The run stopped (an interrupt, or the caller failed) while a member waited for the others."""


class Lockstep:
    """Holds each member at the end of a stage until every member still running has finished it."""

    def __init__(self, members: int) -> None:
        self._condition = threading.Condition()
        self._members = members
        self._arrived = 0
        self._generation = 0
        self._broken = False

    def arrive(self) -> None:
        """This member finished its stage: wait for the others (raises ``LockstepStoppedError`` if stopped)."""
        with self._condition:
            generation = self._generation
            self._arrived += 1
            if self._arrived >= self._members:
                self._release()
            while generation == self._generation and not self._broken:
                self._condition.wait()
            if self._broken:
                raise LockstepStoppedError("the side-by-side load test was stopped")

    def leave(self) -> None:
        """This member has no more stages: the others no longer wait for it."""
        with self._condition:
            self._members -= 1
            if self._arrived and self._arrived >= self._members:
                self._release()

    def abort(self) -> None:
        """Release every waiting member with ``LockstepStoppedError`` (Ctrl-C, or the caller failed)."""
        with self._condition:
            self._broken = True
            self._condition.notify_all()

    def _release(self) -> None:
        self._arrived = 0
        self._generation += 1
        self._condition.notify_all()


def run_side_by_side(members: Sequence[Member]) -> None:
    """Run ``members`` in threads, in lockstep; run what they post here; re-raise the first failure."""
    if not members:
        return
    calls: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]]] = queue.Queue()
    lockstep = Lockstep(len(members))

    def post(function: Callable[..., Any], *arguments: Any) -> None:
        calls.put((function, arguments))

    def member(body: Member) -> None:
        try:
            body(post, lockstep.arrive)
        finally:
            lockstep.leave()

    with ThreadPoolExecutor(max_workers=len(members), thread_name_prefix="side-by-side") as pool:
        futures = [pool.submit(member, body) for body in members]
        try:
            while not all(future.done() for future in futures) or not calls.empty():
                try:
                    function, arguments = calls.get(timeout=0.05)
                except queue.Empty:
                    continue
                function(*arguments)
        except BaseException:
            lockstep.abort()  # members stop at the end of their current stage, then clean up
            raise
    for future in futures:
        error = future.exception()
        if error is not None and not isinstance(error, LockstepStoppedError):
            raise error
    for future in futures:
        future.result()
