"""The closed forms agree with independent derivations of the same quantities."""

from __future__ import annotations

import math

import pytest

from evalkit import theory


def _erlang_c_by_factorials(servers: int, load: float) -> float:
    rho = load / servers
    top = load**servers / math.factorial(servers) / (1 - rho)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


@pytest.mark.parametrize(("servers", "load"), [(1, 0.5), (3, 2.1), (10, 8.7), (50, 45.0)])
def test_erlang_c_recursion_matches_the_factorial_form(servers: int, load: float) -> None:
    assert theory.erlang_c(servers, load) == pytest.approx(_erlang_c_by_factorials(servers, load), rel=1e-9)


def test_mm1_is_the_one_server_case_of_mmc_and_of_pollaczek_khinchine() -> None:
    rate, mean = 0.8, 1.0
    direct = rate * mean**2 / (1 - rate * mean)  # ρ/(μ - λ)
    assert theory.mm1_wait(rate, mean) == pytest.approx(direct)
    assert theory.mmc_wait(rate, mean, 1) == pytest.approx(direct)
    assert theory.mg1_wait(rate, mean, cv2=1.0) == pytest.approx(direct)
    assert theory.mg1_wait(rate, mean, cv2=0.0) == pytest.approx(direct / 2)  # M/D/1 waits half as long


def test_jackson_tandem_is_the_sum_of_its_stations() -> None:
    rate = 1.2
    total = theory.jackson_tandem_sojourn(rate, [(0.5, 1), (1.2, 2)])
    assert total == pytest.approx(1 / (2 - rate) + theory.mmc_wait(rate, 1.2, 2) + 1.2)
    assert theory.little_l(rate, total) == pytest.approx(rate * total)


def test_unstable_queues_have_no_wait_but_a_growth_rate() -> None:
    assert theory.mmc_wait(3.0, 1.0, 2) == math.inf
    assert theory.mg1_wait(1.0, 1.0, 0.5) == math.inf
    assert theory.erlang_c(2, 3.0) == 1.0
    assert theory.backlog_growth(3.0, 1.0, 2) == pytest.approx(1.0)
    assert theory.backlog_growth(1.0, 1.0, 2) == 0.0
    with pytest.raises(ValueError):
        theory.utilization(1.0, 0.0)
