"""How long ``evalkit run`` takes on the default study, where the time goes, and what a re-run re-uses.

Prints the wall time of ``evalkit run --quick`` (target 45 s) and ``evalkit run`` (target 300 s)
on ``scenarios/order-fulfillment.yaml`` with this machine's cores, each one's ratio to its
target (below 1 meets it) and the machine's load average before and after (the machine may be
shared), then the quick run's phases from its ``logs/run.log`` (``stage … took``) and the time
outside the pipeline (process start-up and imports), and then the re-use figure: a second run in
the same ``--out`` after a change to the load settings alone, with how many cells it simulated
(target 0) and its time. ``--quick-only`` skips the full run. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

STUDY = Path(__file__).resolve().parents[1] / "scenarios" / "order-fulfillment.yaml"
TARGETS = (("--quick", 45.0), ("", 300.0))
_TOOK = re.compile(r"stage (?P<name>.+) took (?P<seconds>[0-9.]+) s$")
_COMPLETE = re.compile(r"complete in (?P<seconds>[0-9.]+) s")


def timed_run(study: Path, flag: str, out: Path) -> tuple[float, Path]:
    """Wall seconds of one ``evalkit run`` and its run directory (raises if it fails)."""
    command = [sys.executable, "-m", "evalkit", "run", str(study), "--out", str(out), "--quiet"]
    started = time.perf_counter()
    done = subprocess.run([*command, *([flag] if flag else [])], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    line = next(line for line in done.stdout.splitlines() if line.startswith("run: "))
    return seconds, Path(line.removeprefix("run: ").split("  (")[0])


def load_average() -> str:
    """The 1-minute load average (the machine's other work competes for the same cores)."""
    return f"{os.getloadavg()[0]:.1f}"


def phases(run: Path, wall: float) -> list[tuple[str, float]]:
    """The run's stages with their seconds, and what the pipeline's own clock does not cover."""
    found: list[tuple[str, float]] = []
    inside = wall
    for line in (run / "logs" / "run.log").read_text(encoding="utf-8").splitlines():
        text = line.split("Z ", 1)[-1]
        took, complete = _TOOK.search(text), _COMPLETE.search(text)
        if took:
            found.append((took["name"], float(took["seconds"])))
        elif complete:
            inside = float(complete["seconds"])
    staged = sum(seconds for _, seconds in found)
    found.insert(0, ("validate and create the run", max(inside - staged, 0.0)))
    found.insert(0, ("process start-up, imports, stage advice", max(wall - inside, 0.0)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick-only", action="store_true", help="skip the full run (about 5 minutes)")
    arguments = parser.parse_args()
    print(f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        quick = Path(folder) / "quick"  # the re-use figure re-runs in this --out, after the quick run
        first = 0.0
        for flag, target in TARGETS[:1] if arguments.quick_only else TARGETS:
            before = load_average()
            seconds, run = timed_run(STUDY, flag, quick if flag == "--quick" else Path(folder) / "full")
            name = f"evalkit run {flag}".strip()
            print(
                f"{name:<22} {seconds:7.1f} s   target {target:5.0f} s   ratio {seconds / target:.2f}   "
                f"load average {before} before, {load_average()} after"
            )
            if flag == "--quick":
                first = seconds
                for phase, phase_seconds in phases(run, seconds):
                    print(f"    {phase:<40} {phase_seconds:6.1f} s")
        data = yaml.safe_load(STUDY.read_text(encoding="utf-8"))
        # A load setting only, and one --quick keeps (it caps stage_duration and drain_timeout).
        data.setdefault("load", {})["stage_warmup"] = "2.5s"
        changed = Path(folder) / "changed.yaml"
        changed.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        second, run = timed_run(changed, "--quick", quick)
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        print(
            f"re-run after a load-only change: {manifest['cells_simulated']} cells simulated (target 0), "
            f"{manifest['cells_reused']} re-used; {second:.1f} s against {first:.1f} s for the first quick run "
            f"(load average {load_average()})"
        )


if __name__ == "__main__":
    main()
