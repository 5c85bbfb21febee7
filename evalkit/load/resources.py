"""What a local engine spent during a stage: CPU seconds and peak memory of its processes.

Throughput says how much an engine carries; the CPU it burns for it is the per-workflow cost an
architect needs for total cost of ownership. When a target names the kit that runs it on this
machine (``target.kit``: ``platforms/<kit>``), the load test reads the kit's PID files and, for
each stage, records

- ``engine_cpu_seconds``: user + system CPU of the kit's processes and their children over the
  stage (warm-up, window and drain: everything the stage's workflows cost);
- ``engine_peak_memory``: the largest total resident memory seen, sampled every 0.2 s (MB);
- ``engine_cpu_per_1000``: CPU seconds per 1,000 workflows that ended in the stage's cohort.

It needs ``psutil`` (the ``platforms`` extra); without it, or without running kit processes, a
stage simply has no resource rows.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["EngineProbe", "kit_pids", "probe_for"]

_MB = 1024 * 1024


def kit_pids(kit: str, environ: dict[str, str] | None = None) -> list[int]:
    """PIDs from the PID files of ``platforms/<kit>`` (the state directory of ``platforms/kitlib.py``)."""
    environ = dict(os.environ) if environ is None else environ
    root = Path(environ.get("EVALKIT_PLATFORM_DIR", Path(tempfile.gettempdir()) / "evalkit-platforms"))
    pids = []
    for pid_file in sorted((root / kit).glob("*.pid")):
        try:
            pids.append(int(pid_file.read_text(encoding="ascii").strip()))
        except (OSError, ValueError):
            continue
    return pids


class EngineProbe:
    """CPU and memory of a set of processes (and their children) between ``start`` and ``stop``."""

    def __init__(self, pids: Iterable[int], interval: float = 0.2) -> None:
        self.interval = interval
        self._processes = self._alive(pids)
        self._cpu_start = 0.0
        self._peak = 0.0
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return bool(self._processes)

    @staticmethod
    def _alive(pids: Iterable[int]) -> list[Any]:
        try:
            import psutil  # the platforms extra; no stubs there
        except ImportError:
            return []
        alive = []
        for pid in pids:
            try:
                alive.append(psutil.Process(pid))
            except psutil.Error:
                continue
        return alive

    def _tree(self) -> list[Any]:
        import psutil

        tree = []
        for process in self._processes:
            try:
                tree.extend([process, *process.children(recursive=True)])
            except psutil.Error:
                continue
        return tree

    def _cpu_seconds(self) -> float:
        import psutil

        total = 0.0
        for process in self._tree():
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def _memory(self) -> float:
        import psutil

        total = 0.0
        for process in self._tree():
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        return total / _MB

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, self._memory())

    def start(self) -> None:
        """Begin a stage: note the CPU used so far and sample memory until ``stop``."""
        if not self.active:
            return
        self._cpu_start = self._cpu_seconds()
        self._peak = self._memory()
        self._stop.clear()
        self._sampler = threading.Thread(target=self._sample, name="evalkit-engine-probe", daemon=True)
        self._sampler.start()

    def stop(self, workflows: int) -> dict[str, float]:
        """End a stage; its resource metrics (``{}`` without processes to watch)."""
        if not self.active:
            return {}
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join(timeout=2)
        cpu = max(self._cpu_seconds() - self._cpu_start, 0.0)
        self._peak = max(self._peak, self._memory())
        return {
            "engine_cpu_seconds": cpu,
            "engine_peak_memory": self._peak,
            "engine_cpu_per_1000": cpu / workflows * 1000 if workflows else math.nan,
        }


def probe_for(kit: str | None) -> EngineProbe:
    """A probe of the kit's running processes (inactive without a kit, processes or psutil)."""
    return EngineProbe(kit_pids(kit) if kit else [])
