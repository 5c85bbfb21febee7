"""Screening a 30,000-cell sweep: how many cells still need the simulation, and do verdicts agree?

Generates a study of 100 centralized candidates (engine workers, dispatch and persist times and
store sizes drawn from a seeded generator) on a five-step fork/join process, at 50 load multiples
from 0.25x to 16x (3x among them), with 6 replications: 30,000 simulation cells, and one
knock-out, "sustains 3x" (``max_sustainable_multiple >= 3``). Every candidate × multiple is
solved analytically (``evalkit.analytic.screen``); the simulation runs only the cells that decide
the knock-out (3x: more load never makes a design healthier, so a candidate sustains 3x exactly
when its 3x cell passes) and whose analytic verdict is close, that is within the analytic model's
known error band (``evalkit.analytic.screen``'s docstring), exactly as ``evalkit run --screen``.

Prints the DES-cell ratio (full sweep ÷ cells the screen still simulates) and the verdict
agreement, where the truth is the full simulation judged as evalkit judges it: all 6
replications of the cell, ``evalkit.analysis.sustainable.judge_cell`` with its conservative bound
(the upper end of each 95% interval, no replication saturated), the reading knock-outs use:

- the **knock-out verdict** "sustains 3x" for all 100 candidates: the screened verdict (the
  simulation's where the screen simulated the 3x cell, the analytic one elsewhere) against the
  full simulation of every candidate's 3x cell (600 simulated cells; the 29,400 others do not
  decide this knock-out, so the truth needs no more);
- for context, the per-cell verdict on a seeded random sample of cells the screen did not call
  close (their figures stay analytic in a screened run, labelled so), and how many cells a
  screen of every close cell (not only the decisive ones) would still simulate.

    .venv/bin/python benchmarks/screening.py [--seed 14] [--sample 30]

``--seed`` draws another set of 100 candidates: the error band was measured on seed 14, so any
other seed is a held-out check of it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from evalkit.analysis.curves import build_curves
from evalkit.analysis.sustainable import judge_cell
from evalkit.analytic.screen import MARGIN, ScreenedCell, decisive_multiples, screen, simulation_plan
from evalkit.results import ResultTable
from evalkit.sim import plan_cells, run_cell
from evalkit.study import Study

CANDIDATES = 100
MULTIPLES = 50
REPLICATIONS = 6
KNOCK_OUT = 3.0
SAMPLE = 30


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


def simulated_verdicts(study: Study, pairs: list[tuple[str, float]]) -> dict[tuple[str, float], bool]:
    """The full simulation's verdict of each (candidate, multiple): every replication, judged as scoring does."""
    cells = [
        cell
        for name, multiple in pairs
        for cell in plan_cells(study, multiples=[multiple], candidates=[name], include_faults=False)
    ]
    rows = [row for cell in cells for row in run_cell(study, cell)]
    curves = build_curves(ResultTable.from_observations(rows).summary())
    return {
        (name, multiple): judge_cell(study, curves[(name, "sim", "baseline")].cell(multiple)).meets  # type: ignore[arg-type]
        for name, multiple in pairs
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--margin", type=float, default=MARGIN, help="error-rate margin (default %(default)s)")
    parser.add_argument("--seed", type=int, default=14, help="seed of the generated candidates (default %(default)s)")
    parser.add_argument("--sample", type=int, default=SAMPLE, help="screened-out cells to check (default %(default)s)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    study = generated_study(rng)
    replications = study.traffic.replications
    full = len(study.candidates) * len(study.traffic.multiples) * replications
    started = time.perf_counter()
    cells = screen(study, margin=args.margin)
    took = time.perf_counter() - started
    decisive = decisive_multiples(study.traffic.multiples, [KNOCK_OUT])
    plan = simulation_plan(cells, decisive)
    des_cells = len(plan) * replications
    print(f"study (seed {args.seed}): {len(study.candidates)} candidates x {len(study.traffic.multiples)} multiples x "
          f"{replications} replications = {full:,} simulation cells; knock-out: sustains {KNOCK_OUT:g}x")  # fmt: skip
    print(f"screen: {len(cells):,} analytic cells in {took:.1f} s ({took / len(cells) * 1e3:.1f} ms each)")
    print(f"simulation still needed: {len(plan)} close cells at {', '.join(f'{m:g}x' for m in decisive)} "
          f"x {replications} replications = {des_cells:,}")  # fmt: skip
    print(f"DES-cell ratio: {full / max(des_cells, 1):.0f}x fewer ({full:,} / {des_cells:,})")
    close = [c for c in cells if c.close]
    print(f"(every close cell, decisive or not: {len(close)} x {replications} = {len(close) * replications:,}, "
          f"{full / max(len(close) * replications, 1):.0f}x fewer)")  # fmt: skip

    started = time.perf_counter()
    truth = simulated_verdicts(study, [(c.name, KNOCK_OUT) for c in study.candidates])
    by_key = {(c.candidate, c.multiple): c for c in cells}
    simulated = {(c.candidate, c.multiple) for c in plan}
    agree = 0
    for candidate in study.candidates:
        key = (candidate.name, KNOCK_OUT)
        screened: ScreenedCell = by_key[key]
        verdict = truth[key] if key in simulated else screened.sustainable
        agree += verdict == truth[key]
        if verdict != truth[key]:
            print(f"  differs: {candidate.name} at {KNOCK_OUT:g}x: analytic {'passes' if verdict else 'fails'} "
                  f"(p95 {screened.p95:.3g} s, busiest {screened.utilization:.0%}), simulation "
                  f"{'passes' if truth[key] else 'fails'}")  # fmt: skip
    print(f"knock-out 'sustains {KNOCK_OUT:g}x': {agree}/{len(study.candidates)} verdicts identical to the full "
          f"simulation ({len(truth) * replications} cells, {time.perf_counter() - started:.0f} s)")  # fmt: skip

    confident = [c for c in cells if not c.close]
    picks = rng.choice(len(confident), size=min(args.sample, len(confident)), replace=False)
    sample = [confident[i] for i in sorted(picks)]
    checked = simulated_verdicts(study, [(c.candidate, c.multiple) for c in sample])
    same = sum(checked[(c.candidate, c.multiple)] == c.sustainable for c in sample)
    print(
        f"cells the screen did not call close: {same}/{len(sample)} sampled per-cell verdicts identical to the "
        "full simulation"
    )


if __name__ == "__main__":
    main()
