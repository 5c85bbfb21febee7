"""Screening a 30,000-cell sweep: how many cells still need the simulation, and do verdicts agree?

Generates a study of 100 centralized candidates (engine workers, dispatch and persist times and
store sizes drawn from a seeded generator) on a five-step fork/join process, at 50 load multiples
from 0.25x to 16x (3x among them), with 6 replications: 30,000 simulation cells. Every
candidate × multiple is solved analytically (``evalkit.analytic.screen``); only the cells close
to a threshold (or where the approximation is weak) keep their simulation.

Prints the DES-cell ratio (full sweep ÷ cells the screen still simulates), and two agreement
checks against the simulation itself (2 replications per cell, judged by the same rule: mean p95
within the SLO, mean error rate within its maximum, no replication saturated):

- the **knock-out verdict** "sustains 3x" for all 100 candidates: the screened verdict (the
  analytic one where the screen is confident, the simulation's where it is not) against the
  simulation's;
- the per-cell verdict on a seeded random sample of the cells the screen did not simulate.

    .venv/bin/python benchmarks/screening.py [--margin 0.10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from evalkit.analytic.screen import MARGIN, ScreenedCell, screen
from evalkit.sim import plan_cells, run_cell
from evalkit.study import Study

CANDIDATES = 100
MULTIPLES = 50
REPLICATIONS = 6
KNOCK_OUT = 3.0
SAMPLE = 60
CHECK_REPLICATIONS = 2


def generated_study(rng: np.random.Generator) -> Study:
    multiples = sorted({*np.round(np.geomspace(0.25, 16, MULTIPLES - 1), 3).tolist(), KNOCK_OUT})
    systems = [
        {
            "name": "intake",
            "domain": "a",
            "capacity": 64,
            "service_time": {"dist": "lognormal", "mean": 0.03, "cv": 0.5},
        },
        {"name": "risk", "domain": "a", "capacity": 64, "service_time": {"dist": "lognormal", "mean": 0.08, "cv": 0.8}},
        {"name": "stock", "domain": "a", "capacity": 64, "service_time": {"dist": "exponential", "mean": 0.05}},
        {"name": "pay", "domain": "a", "capacity": 64, "service_time": {"dist": "lognormal", "mean": 0.1, "cv": 0.6}},
        {"name": "ship", "domain": "a", "capacity": 64, "service_time": {"dist": "lognormal", "mean": 0.06, "cv": 0.5}},
    ]
    steps = [
        {"id": "receive", "system": "intake"},
        {"id": "screen", "system": "risk", "after": ["receive"]},
        {"id": "reserve", "system": "stock", "after": ["receive"]},
        {"id": "charge", "system": "pay", "after": ["screen", "reserve"],
         "exception": {"handling": "retry", "probability": 0.02, "retries": 2, "backoff": 0.1}},
        {"id": "dispatch", "system": "ship", "after": ["charge"]},
    ]  # fmt: skip
    candidates = []
    for index in range(CANDIDATES):
        candidates.append(
            {
                "name": f"engine-{index:03d}",
                "design": "centralized",
                "parameters": {
                    "engine_workers": int(rng.integers(1, 9)),
                    "dispatch_time": float(np.round(rng.uniform(0.002, 0.02), 4)),
                    "store_connections": int(rng.integers(2, 17)),
                    "persist_time": float(np.round(rng.uniform(0.001, 0.006), 4)),
                },
            }
        )
    data = {
        "name": "screening-benchmark",
        "seed": 30_000,
        "workload": {"systems": systems, "process": {"name": "order", "steps": steps}},
        "traffic": {"peak_rate": 10, "multiples": multiples, "horizon": 30, "warmup": 5, "replications": REPLICATIONS},
        "slo": {"p95_cycle_time": 1.0, "max_error_rate": 0.01},
        "candidates": candidates,
    }
    return Study.model_validate(data)


def simulated_verdict(study: Study, candidate: str, multiple: float) -> bool:
    cells = plan_cells(
        study, multiples=[multiple], replications=CHECK_REPLICATIONS, candidates=[candidate], include_faults=False
    )
    rows = [row for cell in cells for row in run_cell(study, cell)]

    def mean(metric: str) -> float:
        values = [row.value for row in rows if row.metric == metric]
        return float(np.mean(values)) if values else float("nan")

    saturated = any(row.value > 0 for row in rows if row.metric == "saturated")
    return (
        (not saturated)
        and mean("cycle_time_p95") <= study.slo.p95_cycle_time
        and (mean("error_rate") <= study.slo.max_error_rate)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--margin", type=float, default=MARGIN, help="screening margin (default %(default)s)")
    margin = parser.parse_args().margin
    rng = np.random.default_rng(14)
    study = generated_study(rng)
    full = len(study.candidates) * len(study.traffic.multiples) * study.traffic.replications
    started = time.perf_counter()
    cells = screen(study, margin=margin)
    took = time.perf_counter() - started
    flagged = [c for c in cells if c.needs_simulation]
    des_cells = len(flagged) * study.traffic.replications
    print(f"study: {len(study.candidates)} candidates x {len(study.traffic.multiples)} multiples x "
          f"{study.traffic.replications} replications = {full:,} simulation cells")  # fmt: skip
    print(
        f"screen (margin {margin:g}): {len(cells):,} analytic cells in {took:.1f} s ({took / len(cells) * 1e3:.1f} ms each)"
    )
    print(f"simulation still needed: {len(flagged)} cells x {study.traffic.replications} replications = {des_cells:,}")
    print(f"DES-cell ratio: {full / max(des_cells, 1):.0f}x fewer ({full:,} / {des_cells:,})")

    by_key = {(c.candidate, c.multiple): c for c in cells}
    agree = 0
    started = time.perf_counter()
    for candidate in study.candidates:
        screened: ScreenedCell = by_key[(candidate.name, KNOCK_OUT)]
        truth = simulated_verdict(study, candidate.name, KNOCK_OUT)
        verdict = truth if screened.needs_simulation else screened.sustainable
        agree += verdict == truth
        if verdict != truth:
            print(f"  differs: {candidate.name} at {KNOCK_OUT:g}x: analytic {'passes' if verdict else 'fails'} "
                  f"(p95 {screened.p95:.3g} s, busiest {screened.utilization:.0%}), simulation "
                  f"{'passes' if truth else 'fails'}")  # fmt: skip
    print(f"knock-out 'sustains {KNOCK_OUT:g}x': {agree}/{len(study.candidates)} verdicts identical to the simulation "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip

    confident = [c for c in cells if not c.needs_simulation]
    sample = [confident[i] for i in rng.choice(len(confident), size=min(SAMPLE, len(confident)), replace=False)]
    same = sum(simulated_verdict(study, c.candidate, c.multiple) == c.sustainable for c in sample)
    print(f"screened-out cells: {same}/{len(sample)} sampled verdicts identical to the simulation")


if __name__ == "__main__":
    main()
