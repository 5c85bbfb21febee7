"""How fast can the open-model scheduler start workflows, compared with plain Locust?

Against a trivial loopback target (an aiohttp process that answers every request at once), this
prints:

* the highest start rate the scheduler holds with at most 1% late starts (a start is late when it
  is sent more than ``evalkit.load.runner.LATE_AFTER`` after its intended time), no dropped
  starts and the achieved rate within 2% of the offered one; rates are tried on a ladder, then
  bisected between the last rate held and the first one missed;
* plain Locust's request rate on the same target in the same run (closed loop: FastHttpUser
  users with no wait time, one process), and the ratio of the two.

One generator process and one target process. ``--cpu N`` pins this script, and so the generator
and plain Locust it starts, to core N and the target to the other cores: both sides are then
measured on one core against the same target. Otherwise they run on whatever cores the machine
has. The figures are as noisy as the machine is busy; each rate's line shows the generator's own
CPU share (``generator_cpu``), and the load average is printed first. Last, the work each does
per CPU-second of its own process (starts at the highest rate tried; plain Locust's requests),
which a busy machine disturbs far less than the rates. Run:
``.venv/bin/python benchmarks/load_ceiling.py [--cpu 0]``. It asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import yaml

from evalkit.load import LoadPlan, plan_stages, run_load_test
from evalkit.load.runner import LATE_AFTER
from evalkit.study import load_study

TARGET = textwrap.dedent(
    """
    from aiohttp import web
    async def work(request):
        return web.json_response({"status": "completed"})
    app = web.Application()
    app.router.add_post("/work", work)
    def ready(runner):
        print(runner.addresses[0][1], flush=True)
    async def main():
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0, backlog=4096).start()
        ready(runner)
        import asyncio
        await asyncio.Event().wait()
    import asyncio
    asyncio.run(main())
    """
)

PLAIN_LOCUSTFILE = textwrap.dedent(
    """
    import os, time
    from locust import FastHttpUser, constant, events, task

    mark = {}

    @events.test_start.add_listener
    def started(**_):
        times = os.times()
        mark["cpu"], mark["wall"] = times.user + times.system, time.monotonic()

    @events.test_stop.add_listener
    def stopped(**_):
        times = os.times()
        share = (times.user + times.system - mark["cpu"]) / (time.monotonic() - mark["wall"])
        with open(os.environ["EVALKIT_BENCH_CPU"], "w") as stream:
            stream.write(str(share))

    class Plain(FastHttpUser):
        wait_time = constant(0)

        @task
        def work(self):
            self.client.post("/work", name="work")
    """
)


def start_target(cores: set[int] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-c", TARGET], stdout=subprocess.PIPE, text=True)
    if cores:
        os.sched_setaffinity(process.pid, cores)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}"


def study_file(folder: Path, base_url: str, rate: float, seconds: float) -> Path:
    data = {
        "name": "load-ceiling",
        "workload": {
            "systems": [
                {"name": "echo", "domain": "d", "capacity": 1, "service_time": {"dist": "constant", "value": 0}}
            ],
            "process": {"name": "p", "steps": [{"id": "echo", "system": "echo"}]},
        },
        "traffic": {"peak_rate": rate, "multiples": [1], "horizon": "10s", "warmup": "1s"},
        "slo": {"p95_cycle_time": "1s"},
        "load": {"stage_warmup": 1, "stage_duration": seconds, "drain_timeout": 2, "max_requests": 10_000_000},
        "candidates": [
            {
                "name": "echo",
                "design": "centralized",
                "target": {"base_url": base_url, "start": {"path": "/work"}, "completion": {"mode": "sync"}},
            }
        ],
    }
    path = folder / f"ceiling-{rate:g}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def measure(folder: Path, base_url: str, rate: float, seconds: float) -> dict[str, float]:
    path = study_file(folder, base_url, rate, seconds)
    study = load_study(path)
    table = run_load_test(
        LoadPlan(study=study, candidate="echo", stages=plan_stages(study), out_dir=folder / f"out-{rate:g}")
    )
    metrics = dict(zip(table.whole["metric"], table.whole["value"], strict=True))
    started = max(metrics["started"], 1.0)
    metrics["late_share"] = metrics["late_starts"] / started
    metrics["held"] = float(
        metrics["late_share"] <= 0.01
        and metrics["dropped_starts"] == 0
        and abs(metrics["achieved_rate"] - metrics["offered_rate"]) <= 0.02 * metrics["offered_rate"]
    )
    return metrics


def report(rate: float, metrics: dict[str, float]) -> None:
    print(
        f"  {rate:7.0f}/s offered: achieved {metrics['achieved_rate']:7.1f}/s, late {metrics['late_share']:6.2%}, "
        f"dropped {metrics['dropped_starts']:.0f}, p50 {metrics['cycle_time_p50'] * 1e3:6.2f} ms, "
        f"p99 {metrics['cycle_time_p99'] * 1e3:7.2f} ms, generator CPU {metrics['generator_cpu']:4.0%} "
        f"-> {'held' if metrics['held'] else 'missed'}",
        flush=True,
    )


def ceiling(
    folder: Path, base_url: str, seconds: float, start: float, factor: float, bisections: int
) -> tuple[float, float]:
    """The highest rate held, and starts per generator CPU-second at the highest rate tried."""
    held, missed, rate = 0.0, 0.0, start
    while True:
        metrics = measure(folder, base_url, rate, seconds)
        report(rate, metrics)
        efficiency = metrics["achieved_rate"] / metrics["generator_cpu"]
        if not metrics["held"]:
            missed = rate
            break
        held, rate = rate, rate * factor
    for _ in range(bisections):
        if held == 0:
            break
        rate = (held + missed) / 2
        metrics = measure(folder, base_url, rate, seconds)
        report(rate, metrics)
        if metrics["held"]:
            held = rate
        else:
            missed = rate
    return held, efficiency


def plain_locust(folder: Path, base_url: str, seconds: float, users: int) -> tuple[float, float]:
    """Plain Locust's request rate, and its process's CPU share over the test."""
    locustfile = folder / "plain_locustfile.py"
    locustfile.write_text(PLAIN_LOCUSTFILE, encoding="utf-8")
    prefix = folder / "plain"
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", base_url]
    command += ["--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds:g}s"]
    command += ["--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]
    share = folder / "plain_cpu"
    environment = {**os.environ, "EVALKIT_BENCH_CPU": str(share)}
    subprocess.run(command, check=True, capture_output=True, text=True, env=environment)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stream:
        aggregated = next(row for row in csv.DictReader(stream) if row["Name"] == "Aggregated")
    return float(aggregated["Requests/s"]), float(share.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="measurement window per rate")
    parser.add_argument("--start", type=float, default=100.0, help="first rate tried (per second)")
    parser.add_argument("--factor", type=float, default=1.5, help="ladder step")
    parser.add_argument("--bisections", type=int, default=3)
    parser.add_argument("--users", type=int, default=32, help="plain Locust users")
    parser.add_argument("--cpu", type=int, help="pin the generator and plain Locust to this core, the target elsewhere")
    arguments = parser.parse_args()
    target_cores = None
    if arguments.cpu is not None:
        target_cores = (os.sched_getaffinity(0) - {arguments.cpu}) or {arguments.cpu}
        os.sched_setaffinity(0, {arguments.cpu})
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average {load}; generator core: {arguments.cpu}, target cores: {target_cores}")
    target, base_url = start_target(target_cores)
    try:
        with tempfile.TemporaryDirectory() as folder:
            print(f"scheduler ceiling (late = sent > {LATE_AFTER * 1e3:g} ms after intended; Poisson arrivals):")
            held, efficiency = ceiling(
                Path(folder), base_url, arguments.seconds, arguments.start, arguments.factor, arguments.bisections
            )
            plain, plain_cpu = plain_locust(Path(folder), base_url, arguments.seconds, arguments.users)
    finally:
        target.terminate()
        target.wait()
    print(f"highest start rate held with <= 1% late starts: {held:.0f}/s")
    print(f"plain Locust (closed loop, {arguments.users} FastHttpUsers, no wait): {plain:.0f} requests/s")
    print(f"ratio scheduler / plain Locust: {held / plain:.2f}" if plain else "ratio: n/a")
    # On a busy machine the held rate is set by the OS scheduler, not by either program's cost:
    # the work done per CPU-second, measured in the same run, compares the two programs themselves.
    plain_efficiency = plain / plain_cpu if plain_cpu else float("nan")
    print(
        f"per CPU-second: scheduler {efficiency:.0f} starts (at the highest rate tried), plain Locust "
        f"{plain_efficiency:.0f} requests (CPU {plain_cpu:.0%}); ratio {efficiency / plain_efficiency:.2f}"
    )


if __name__ == "__main__":
    main()
