"""How long ``evalkit run`` takes on the default study, against the targets of the run issue.

Prints the wall time of ``evalkit run --quick`` (target 90 s) and ``evalkit run`` (target 300 s)
on ``scenarios/order-fulfillment.yaml`` with this machine's cores, and each one's ratio to its
target (below 1 meets it). Asserts nothing; run it on an otherwise idle machine.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = (("--quick", 90.0), ("", 300.0))


def timed_run(flag: str, out: Path) -> float:
    """Wall seconds of one ``evalkit run`` (raises if it fails)."""
    command = [sys.executable, "-m", "evalkit", "run", "--out", str(out), "--quiet", *([flag] if flag else [])]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for flag, target in TARGETS:
            seconds = timed_run(flag, Path(folder))
            name = f"evalkit run {flag}".strip()
            print(f"{name:<22} {seconds:7.1f} s   target {target:5.0f} s   ratio {seconds / target:.2f}")


if __name__ == "__main__":
    main()
