"""What evalkit's simulation costs, as three ratios (prints figures; asserts nothing).

1. **Cost per resource visit ÷ raw SimPy's cost per customer** on an M/M/c queue, both in this
   process. A visit is one request, service and release at any station (engine, store,
   controller, coordinator, broker partition, consumer group, system, staff pool); evalkit's
   time is the whole cell (arrivals, workflow walking, exceptions, measurement) divided by every
   visit it served. The raw model is the textbook SimPy M/M/c: a source process and one process
   per customer doing ``with resource.request(): yield req; yield timeout(service)``.
2. **Sweep wall time with 1 worker ÷ with 2 workers** on the default study.
3. **Peak memory simulating 1,000,000 workflows** in one replication, measured in a fresh
   process as its peak resident set size (and the part above the process's size after imports).

Run: ``.venv/bin/python benchmarks/sim_overhead.py [--workflows N] [--skip-memory]``. Timings
vary with what else the machine is doing; run it on a quiet machine for numbers to quote.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STUDY = ROOT / "scenarios" / "order-fulfillment.yaml"


def raw_simpy_cost_per_customer(customers: int = 200_000, rate: float = 9.0, servers: int = 10) -> float:
    """Seconds per customer of a plain SimPy M/M/c (service mean 1 s, utilisation 0.9)."""
    rng = np.random.default_rng(1)
    gaps, services = rng.exponential(1 / rate, customers), rng.exponential(1.0, customers)
    env = simpy.Environment()
    counter = simpy.Resource(env, servers)

    def customer(service: float):  # type: ignore[no-untyped-def]
        with counter.request() as request:
            yield request
            yield env.timeout(service)

    def source():  # type: ignore[no-untyped-def]
        for gap, service in zip(gaps, services, strict=True):
            yield env.timeout(gap)
            env.process(customer(service))

    env.process(source())
    started = time.perf_counter()
    env.run()
    return (time.perf_counter() - started) / customers


def evalkit_cost_per_visit(multiple: float = 2.0) -> tuple[float, int]:
    """Seconds per resource visit over one replication of every default candidate, and the visits."""
    from evalkit.sim.model import Model
    from evalkit.sim.streams import cell_streams
    from evalkit.study import load_study

    study = load_study(DEFAULT_STUDY)
    elapsed, visits = 0.0, 0
    for candidate in study.candidates:
        streams = cell_streams(study.seed, "baseline", multiple, 1)
        started = time.perf_counter()
        model = Model(study, candidate.name, multiple, streams)
        model.run()
        elapsed += time.perf_counter() - started
        visits += model.visits
    return elapsed / visits, visits


def sweep_seconds(workers: int) -> float:
    """Wall time of the default study's whole sweep."""
    from evalkit.sim import plan_cells, run_sweep
    from evalkit.study import load_study

    study = load_study(DEFAULT_STUDY)
    started = time.perf_counter()
    run_sweep(study, plan_cells(study), workers=workers)
    return time.perf_counter() - started


_MEMORY_CHILD = """
import resource, sys, time
from evalkit.sim.model import Model
from evalkit.sim.streams import cell_streams
from evalkit.study import load_study
workflows = int(sys.argv[1])
study = load_study(sys.argv[2])
traffic = study.traffic.model_copy(update={"warmup": 10.0, "horizon": 10.0 + workflows / study.traffic.peak_rate})
study = study.model_copy(update={"traffic": traffic})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
model = Model(study, study.candidates[0].name, 1.0, cell_streams(study.seed, "baseline", 1.0, 1))
metrics = model.run()
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, peak, int(metrics["started"]), model.visits, seconds)
"""


def peak_memory(workflows: int) -> tuple[float, float, int, int, float]:
    """Peak RSS (MB), its rise over the post-import size (MB), counted workflows, visits, seconds."""
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(workflows), str(DEFAULT_STUDY)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    before, peak, started, visits, seconds = result.stdout.split()
    return int(peak) / 1024, (int(peak) - int(before)) / 1024, int(started), int(visits), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=1_000_000, help="workflows for the memory figure")
    parser.add_argument("--skip-memory", action="store_true", help="skip the (slow) memory figure")
    options = parser.parse_args()

    raw = raw_simpy_cost_per_customer()
    per_visit, visits = evalkit_cost_per_visit()
    print(f"raw SimPy M/M/c: {raw * 1e6:.2f} µs per customer")
    print(f"evalkit: {per_visit * 1e6:.2f} µs per resource visit ({visits:,} visits, default study at 2x)")
    print(f"ratio 1  cost per visit / raw cost per customer = {per_visit / raw:.2f}   (target <= 1.2)")

    one, two = sweep_seconds(1), sweep_seconds(2)
    print(f"sweep of the default study: {one:.1f} s with 1 worker, {two:.1f} s with 2 workers")
    print(f"ratio 2  wall time 1 worker / 2 workers = {one / two:.2f}   (target >= 1.7)")

    if not options.skip_memory:
        peak, rise, started, visits, seconds = peak_memory(options.workflows)
        print(f"memory: {started:,} counted workflows, {visits:,} visits in {seconds:.0f} s")
        print(
            f"ratio 3  peak memory = {peak:.0f} MB (of which {rise:.1f} MB above the process after imports)   (target <= 300 MB)"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process peaked at {own:.0f} MB)")


if __name__ == "__main__":
    main()
