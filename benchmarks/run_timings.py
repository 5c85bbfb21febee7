"""How long ``evalkit run`` takes on the default study, and what a re-run re-uses.

Prints the wall time of ``evalkit run --quick`` (target 45 s) and ``evalkit run`` (target 300 s)
on ``scenarios/order-fulfillment.yaml`` with this machine's cores, each one's ratio to its
target (below 1 meets it), and then the re-use figure: a second run in the same ``--out`` after a
change to the load settings alone, with how many cells it simulated (target 0) and its time.
Asserts nothing; run it on an otherwise idle machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

STUDY = Path(__file__).resolve().parents[1] / "scenarios" / "order-fulfillment.yaml"
TARGETS = (("--quick", 45.0), ("", 300.0))


def timed_run(study: Path, flag: str, out: Path) -> tuple[float, Path]:
    """Wall seconds of one ``evalkit run`` and its run directory (raises if it fails)."""
    command = [sys.executable, "-m", "evalkit", "run", str(study), "--out", str(out), "--quiet"]
    started = time.perf_counter()
    done = subprocess.run([*command, *([flag] if flag else [])], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    line = next(line for line in done.stdout.splitlines() if line.startswith("run: "))
    return seconds, Path(line.removeprefix("run: ").split("  (")[0])


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for flag, target in TARGETS:
            seconds, _ = timed_run(STUDY, flag, Path(folder) / flag.strip("-"))
            name = f"evalkit run {flag}".strip()
            print(f"{name:<22} {seconds:7.1f} s   target {target:5.0f} s   ratio {seconds / target:.2f}")
        out = Path(folder) / "reuse"
        first, _ = timed_run(STUDY, "--quick", out)
        data = yaml.safe_load(STUDY.read_text(encoding="utf-8"))
        data.setdefault("load", {})["stage_duration"] = "4s"  # a load setting only
        changed = Path(folder) / "changed.yaml"
        changed.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        second, run = timed_run(changed, "--quick", out)
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        print(
            f"re-run after a load-only change: {manifest['cells_simulated']} cells simulated (target 0), "
            f"{manifest['cells_reused']} re-used; {second:.1f} s against {first:.1f} s for the first quick run"
        )


if __name__ == "__main__":
    main()
