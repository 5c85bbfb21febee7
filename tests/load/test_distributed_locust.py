"""Distributed Locust: a master and two local worker processes share a stage and merge it exactly.

Each test runs real processes (a reference platform, a Locust master, its workers) on loopback.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hdrh.histogram import HdrHistogram

from evalkit.errors import InputError, LoadTestError
from evalkit.load import FleetConfig, LoadPlan, ReferencePlatform, plan_stages, run_load_test
from evalkit.load.cluster import parse_address
from evalkit.load.recording import new_histogram
from evalkit.study import load_study

pytestmark = pytest.mark.timeout(90)
TINY = Path(__file__).parents[1] / "fixtures" / "tiny.yaml"
MULTIPLE = 20.0  # tiny's 5/s peak: 100 starts per second, enough for a 2% rate check
PERCENTILES = (50, 90, 95, 99, 99.9, 100)


def generator_children() -> list[int]:
    """Live children of this test process that are generators, masters or workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parent = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
        if int(parent) == os.getpid() and "evalkit.load.generator" in command and "zombie" not in status:
            found.append(int(entry.name))
    return found


def test_two_workers_hold_the_rate_and_merge_histograms_exactly(tmp_path: Path) -> None:
    study = load_study(TINY)
    stages = plan_stages(study, candidates=["Engine"], multiples=[MULTIPLE])
    out = tmp_path / "out"
    with ReferencePlatform(TINY, "Engine") as platform:
        table = run_load_test(LoadPlan(study=study, candidate="Engine", stages=stages, base_url=platform.base_url, out_dir=out, stage_seconds=4, record_samples=True), FleetConfig(load_workers=2))  # fmt: skip
    assert not generator_children()
    metrics = dict(zip(table.frame["metric"], table.frame["value"], strict=True))
    expected = study.traffic.peak_rate * MULTIPLE * 4
    assert abs(metrics["offered_rate"] * 4 - expected) < 4 * math.sqrt(expected)  # Poisson: the union of two streams
    assert metrics["achieved_rate"] == pytest.approx(metrics["offered_rate"], rel=0.02)
    assert metrics["dropped_starts"] == 0 and metrics["completed"] == metrics["started"] > 0

    (entry,) = [json.loads(line) for line in (out / "stages.jsonl").read_text().splitlines()]
    assert entry["generators"] == 2
    merged = HdrHistogram.decode(entry["cycle_histogram"].encode("ascii"))
    union = new_histogram()
    for value in entry["cycle_samples"]:
        union.record_value(value)
    assert merged.get_total_count() == union.get_total_count() == metrics["completed"] + metrics["timeouts"]
    for percentile in PERCENTILES:
        assert merged.get_value_at_percentile(percentile) == union.get_value_at_percentile(percentile)
    scale = json.loads((out / "generator.json").read_text())["time_scale"]
    assert metrics["cycle_time_p95"] == union.get_value_at_percentile(95) / 1e6 / scale
    assert (out / f"{stages[0].label}_stats.csv").is_file() and (out / "report.html").is_file()


def test_missing_workers_are_a_clear_error_within_the_join_timeout(tmp_path: Path) -> None:
    study = load_study(TINY)
    stages = plan_stages(study, candidates=["Engine"], multiples=[1])
    with ReferencePlatform(TINY, "Engine") as platform:
        started = time.monotonic()
        with pytest.raises(LoadTestError, match="only 1 of 2 load workers joined within 2 s"):
            run_load_test(LoadPlan(study=study, candidate="Engine", stages=stages, base_url=platform.base_url, out_dir=tmp_path / "out"), FleetConfig(load_workers=1, expect_workers=2, master_port=0, join_timeout=2))  # fmt: skip
    assert time.monotonic() - started < 15
    assert not generator_children()


def test_a_worker_killed_mid_stage_is_an_error_not_a_hang(tmp_path: Path) -> None:
    study = load_study(TINY)
    stages = plan_stages(study, candidates=["Engine"], multiples=[1])

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            workers = [
                pid for pid in generator_children() if "--join" in Path(f"/proc/{pid}/cmdline").read_text().split("\0")
            ]
            logs = [tmp_path / "out" / "logs" / f"worker-{index}.log" for index in range(2)]
            if len(workers) == 2 and all(log.is_file() and "joined" in log.read_text() for log in logs):
                time.sleep(1.0)  # into the stage
                os.kill(workers[0], signal.SIGKILL)
                return
            time.sleep(0.1)

    killer = threading.Thread(target=kill_a_worker, daemon=True)
    with ReferencePlatform(TINY, "Engine") as platform:
        killer.start()
        started = time.monotonic()
        with pytest.raises(LoadTestError, match="stopped answering"):
            run_load_test(LoadPlan(study=study, candidate="Engine", stages=stages, base_url=platform.base_url, out_dir=tmp_path / "out", stage_seconds=20), FleetConfig(load_workers=2))  # fmt: skip
    assert time.monotonic() - started < 18  # well before the stage would have ended
    killer.join(timeout=5)
    assert not generator_children()


def test_worker_options_are_checked_before_anything_starts(tmp_path: Path) -> None:
    study = load_study(TINY)
    stages = plan_stages(study, candidates=["Engine"], multiples=[1])
    with pytest.raises(InputError, match="cannot be combined"):
        run_load_test(
            LoadPlan(study=study, candidate="Engine", stages=stages, out_dir=tmp_path),
            FleetConfig(processes=2, load_workers=2),
        )
    with pytest.raises(InputError, match="counts the local workers too"):
        run_load_test(
            LoadPlan(study=study, candidate="Engine", stages=stages, out_dir=tmp_path),
            FleetConfig(load_workers=3, expect_workers=2),
        )
    assert parse_address("10.0.0.5") == ("10.0.0.5", 5557)
    assert parse_address("master.lan:6000") == ("master.lan", 6000)
    with pytest.raises(InputError, match="HOST:PORT"):
        parse_address("master.lan:http")


def test_a_remote_worker_joins_with_the_load_worker_command(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    worker = subprocess.Popen(
        [sys.executable, "-m", "evalkit", "load-worker", "--master", f"127.0.0.1:{port}", "--connect-timeout", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        command = [sys.executable, "-m", "evalkit", "loadtest", str(TINY), "--candidate", "Engine", "--multiples", "1"]
        command += ["--stage-seconds", "1", "--out", str(tmp_path), "--load-workers", "1", "--expect-workers", "2"]
        command += ["--master-port", str(port), "--join-timeout", "30"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=80)
        assert result.returncode == 0, result.stderr
        output, _ = worker.communicate(timeout=20)
    finally:
        worker.kill()
    assert worker.returncode == 0 and "joined as worker" in output
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    (entry,) = [json.loads(line) for line in (run / "locust" / "Engine" / "stages.jsonl").read_text().splitlines()]
    assert entry["generators"] == 2 and entry["counts"]["completed"] > 0
