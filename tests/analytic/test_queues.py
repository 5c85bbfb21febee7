"""The closed forms of ``evalkit.analytic.queues`` against exact, independently known answers."""

from __future__ import annotations

import math

import pytest

from evalkit import theory
from evalkit.analytic import queues


def test_pdq_readme_call_center_is_reproduced() -> None:
    # PDQ's README (DrQz/pdq-qnm-pkg): 4 agents, 0.35 calls per minute, 10 minutes per call.
    wait = queues.mmc_wait(0.35, 10.0, 4)
    assert wait == pytest.approx(14.7572, abs=5e-5)
    assert queues.mmc_sojourn(0.35, 10.0, 4) == pytest.approx(24.7572, abs=5e-5)


def test_mm1_mean_and_waiting_time_distribution() -> None:
    rate, mean = 0.8, 1.0  # rho = 0.8
    assert queues.mm1_wait(rate, mean) == pytest.approx(4.0)
    # P(Wq > t) = rho·exp(-(mu - lambda)·t) for M/M/1.
    assert queues.mmc_wait_exceeds(rate, mean, 1, 2.0) == pytest.approx(0.8 * math.exp(-0.4))
    q95 = queues.mmc_wait_percentile(rate, mean, 1, 0.95)
    assert q95 == pytest.approx(math.log(0.8 / 0.05) / 0.2)
    assert queues.mmc_wait_exceeds(rate, mean, 1, q95) == pytest.approx(0.05)


def test_waiting_time_percentile_is_zero_when_most_arrivals_do_not_wait() -> None:
    waits = queues.erlang_c(10, 3.0)
    assert waits < 0.05
    assert queues.mmc_wait_percentile(3.0, 1.0, 10, 0.95) == 0.0
    assert queues.mmc_wait_percentile(3.0, 1.0, 10, 1 - waits / 2) > 0


def test_allen_cunneen_is_exact_for_mmc_and_pollaczek_khinchine_for_one_server() -> None:
    assert queues.mgc_wait(2.5, 1.0, 3, 1.0) == pytest.approx(queues.mmc_wait(2.5, 1.0, 3))
    assert queues.mgc_wait(0.7, 1.0, 1, 0.0) == pytest.approx(queues.mg1_wait(0.7, 1.0, 0.0))


def test_jackson_tandem_and_theory_reexport_are_one_implementation() -> None:
    assert theory.mmc_wait is queues.mmc_wait
    total = queues.jackson_tandem_sojourn(1.0, [(0.5, 1), (0.4, 3)])
    assert total == pytest.approx(1 / (2 - 1) + queues.mmc_sojourn(1.0, 0.4, 3))
