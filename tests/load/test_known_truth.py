"""The load harness against known truth: a single-server target is an M/D/1 queue.

A target that serves one request at a time, each for exactly D seconds, under Poisson arrivals
is M/D/1; its mean cycle time is D + rho·D / (2(1 - rho)) (Pollaczek-Khinchine with cv² = 0).
A harness that measured from the *sent* time instead of the intended one, or let the target's
speed pace the arrivals (coordinated omission), would report a shorter queue than the target had.

Two checks per load, both able to fail:

* **path-wise:** the measured mean, less the loopback overhead measured at very low load, is
  within 10% of the exact M/D/1 sojourn of the *same* intended arrival times (Lindley's
  recursion over the arrivals the generator drew). This is the harness's accuracy, free of the
  queue's own sampling noise.
* **theory:** the corrected mean lies inside the central 99.8% of the M/D/1 mean over a window of
  this length (Monte Carlo over independent Poisson streams), centred on the formula. A window of
  a few seconds cannot pin an M/D/1 mean at rho = 0.8 to 10% (its relative standard deviation is
  about 20%), so the formula is checked in distribution, honestly.

At rho = 1.3 the queue grows at lambda - mu per second: the run must say saturated and report
a growing backlog close to that rate. That run uses a faster server (10 ms), so that a short
window holds enough arrivals for the growth to stand clear of Poisson noise (its least-squares
slope has a standard deviation of about sqrt(6·lambda / 5T)).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from load_targets import ThreadedServer, one_system_study, single_server_app

from evalkit import theory
from evalkit.load import LoadPlan, plan_stages, run_load_test
from evalkit.load.spec import GeneratorSpec
from evalkit.study import load_study

SERVICE = 0.040
MU = 1 / SERVICE
WARMUP, WINDOW, DRAIN = 1.0, 7.0, 2.0
LOW, MEDIUM, HIGH, OVER = 0.08, 0.5, 0.8, 1.3
FAST_SERVICE = 0.010

pytestmark = pytest.mark.timeout(180)


def lindley_sojourns(arrivals: np.ndarray, service: float) -> np.ndarray:
    """Exact FIFO single-server sojourn times (wait + service) for these arrival times."""
    sojourns = np.empty(len(arrivals))
    free_at = 0.0
    for index, arrival in enumerate(arrivals):
        free_at = max(arrival, free_at) + service
        sojourns[index] = free_at - arrival
    return sojourns


def cohort_mean(arrivals: np.ndarray, service: float) -> float:
    cohort = (arrivals >= WARMUP) & (arrivals < WARMUP + WINDOW)
    return float(lindley_sojourns(arrivals, service)[cohort].mean())


def md1_mean_band(rho: float, rng: np.random.Generator, replications: int = 1000) -> tuple[float, float]:
    """Central 99.8% of the window-mean M/D/1 sojourn for windows like the load test's."""
    rate = rho * MU
    means = []
    for _ in range(replications):
        count = rng.poisson(rate * (WARMUP + WINDOW))
        arrivals = np.sort(rng.uniform(0, WARMUP + WINDOW, count))
        means.append(cohort_mean(arrivals, SERVICE))
    low, high = np.quantile(means, [0.001, 0.999])
    return float(low), float(high)


def md1_formula(rho: float) -> float:
    return SERVICE + theory.mg1_wait(rho * MU, SERVICE, 0.0)


@pytest.fixture(scope="module")
def md1_run(tmp_path_factory: pytest.TempPathFactory) -> dict[float, tuple[dict[str, float], np.ndarray]]:
    """One load test through four stages of an M/D/1 target: metrics and intended arrivals per multiple."""

    tmp = tmp_path_factory.mktemp("md1")
    with ThreadedServer(single_server_app(SERVICE)) as server:
        data = one_system_study(
            peak_rate=f"{MU}/s",
            multiples=[LOW, MEDIUM, HIGH],
            target={"base_url": server.base_url, "start": {"path": "/work"}, "completion": {"mode": "sync"}},
            load={"stage_warmup": f"{WARMUP} s", "stage_duration": f"{WINDOW} s", "drain_timeout": f"{DRAIN} s"},
        )
        path = tmp / "md1.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        study = load_study(path)
        gevent_before = "gevent" in sys.modules
        table = run_load_test(LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp / "out"))
        assert gevent_before or "gevent" not in sys.modules, "the load test patched the calling process"
    spec = GeneratorSpec.read(tmp / "out" / "generator.json")
    results = {}
    for plan in spec.stages:
        rows = table.select(multiple=plan.multiple)
        metrics = dict(zip(rows["metric"], rows["value"], strict=True))
        arrivals = spec.intended_offsets(plan, 0, plan.streams(0)[0])
        results[plan.multiple] = (metrics, arrivals)
    return results


def loopback_overhead(md1_run: dict[float, tuple[dict[str, float], np.ndarray]]) -> float:
    metrics, arrivals = md1_run[LOW]
    return metrics["cycle_time_mean"] - cohort_mean(arrivals, SERVICE)


def test_measured_cycle_time_never_undercuts_the_queue(md1_run) -> None:  # type: ignore[no-untyped-def]
    """At very low load the measurement is the M/D/1 path plus a loopback overhead, never less."""
    overhead = loopback_overhead(md1_run)
    assert overhead > -0.001, f"measured {overhead * 1e3:.2f} ms less than the queue itself"


@pytest.mark.parametrize("rho", [MEDIUM, HIGH])
def test_mean_cycle_time_matches_the_same_arrivals_md1_path(md1_run, rho: float) -> None:  # type: ignore[no-untyped-def]
    metrics, arrivals = md1_run[rho]
    corrected = metrics["cycle_time_mean"] - loopback_overhead(md1_run)
    truth = cohort_mean(arrivals, SERVICE)
    assert metrics["saturated"] == 0 and metrics["dropped_starts"] == 0
    assert abs(corrected - truth) <= 0.10 * truth, (
        f"rho {rho}: measured {corrected * 1e3:.1f} ms (overhead removed) vs M/D/1 path {truth * 1e3:.1f} ms"
    )


@pytest.mark.parametrize("rho", [MEDIUM, HIGH])
def test_mean_cycle_time_is_consistent_with_md1_theory(md1_run, rho: float) -> None:  # type: ignore[no-untyped-def]
    metrics, _ = md1_run[rho]
    corrected = metrics["cycle_time_mean"] - loopback_overhead(md1_run)
    low, high = md1_mean_band(rho, np.random.default_rng(int(rho * 1000)))
    formula = md1_formula(rho)
    assert low < formula < high  # the band is centred where theory says
    assert low <= corrected <= high, (
        f"rho {rho}: measured {corrected * 1e3:.1f} ms outside the M/D/1 band "
        f"[{low * 1e3:.1f}, {high * 1e3:.1f}] ms (formula {formula * 1e3:.1f} ms)"
    )


def test_overload_reports_saturation_and_a_growing_backlog(tmp_path: Path) -> None:
    mu = 1 / FAST_SERVICE
    with ThreadedServer(single_server_app(FAST_SERVICE)) as server:
        data = one_system_study(
            peak_rate=f"{mu}/s",
            multiples=[OVER],
            target={"base_url": server.base_url, "start": {"path": "/work"}, "completion": {"mode": "sync"}},
            load={"stage_warmup": f"{WARMUP} s", "stage_duration": "6 s", "drain_timeout": "1 s"},
        )
        path = tmp_path / "overload.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        study = load_study(path)
        table = run_load_test(
            LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out")
        )
    metrics = dict(zip(table.frame["metric"], table.frame["value"], strict=True))
    growth = OVER * mu - mu  # lambda - mu: the queue's growth per second
    assert metrics["saturated"] == 1
    assert 0.6 * growth < metrics["backlog_growth"] < 1.4 * growth
    assert metrics["backlog_end"] > 0.5 * growth * 6.0
    # never a bounded latency: the p95 (ages of the unfinished included) dwarfs a stable queue's
    stable = FAST_SERVICE + theory.mg1_wait(0.8 * mu, FAST_SERVICE, 0.0)
    assert metrics["cycle_time_p95"] > 10 * stable


def test_offered_load_is_not_quietly_reduced(md1_run) -> None:  # type: ignore[no-untyped-def]
    for multiple, (metrics, arrivals) in md1_run.items():
        cohort = int(((arrivals >= WARMUP) & (arrivals < WARMUP + WINDOW)).sum())
        assert metrics["started"] + metrics["dropped_starts"] == cohort, multiple
        assert metrics["offered_rate"] == pytest.approx(cohort / WINDOW)
