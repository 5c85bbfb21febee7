"""The generator's own limits are not charged to the platform: backlog samples timed right.

A generator too busy to sample on time takes its samples late. Placed by their index, samples
taken during the drain slide into the window and bend the backlog slope; placed at the time they
were taken, they cannot. The known truth is a single-server queue pushed past its capacity: its
backlog grows at lambda - mu per second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from load_targets import ThreadedServer, one_system_study, single_server_app

from evalkit.load import LoadPlan, plan_stages, run_load_test
from evalkit.load.measurement import backlog_growth
from evalkit.load.recording import StageRecord, StageRecorder, merge_records
from evalkit.study import load_study

pytestmark = pytest.mark.timeout(120)

WINDOW_START, WINDOW_END, INTERVAL = 1.0, 7.0, 0.1
GROWTH = 30.0  # workflows per second during the arrivals


def _backlog(at: float) -> float:
    """Truth: grows at GROWTH until the arrivals end, then drains four times as fast."""
    peak = GROWTH * WINDOW_END
    return GROWTH * at if at <= WINDOW_END else max(peak - 4 * GROWTH * (at - WINDOW_END), 0.0)


def _lagging_record(stretch: float) -> StageRecorder:
    """A sampler that takes tick k at k·INTERVAL·stretch instead of k·INTERVAL (a starved generator)."""
    record = StageRecorder(WINDOW_START, WINDOW_END, INTERVAL)
    for tick in range(round(WINDOW_END / INTERVAL) + 1):
        at = tick * INTERVAL * stretch
        record.in_system_now = round(_backlog(at))
        record.sample(at)
    return record


def test_a_late_sampler_still_gives_the_true_slope() -> None:
    record = _lagging_record(stretch=1.5)
    assert backlog_growth(record) == pytest.approx(GROWTH, rel=0.02)
    # the same samples placed by their index (the old reading) take drain samples into the window
    untimed = StageRecord.from_json({**record.to_json(), "sample_times": []})
    assert abs(backlog_growth(untimed) - GROWTH) > 0.3 * GROWTH


def test_samples_round_trip_and_merge_on_their_times() -> None:
    early, late = _lagging_record(stretch=1.0), _lagging_record(stretch=1.3)
    merged = merge_records([StageRecord.from_json(r.to_json()) for r in (early, late)])
    assert merged.sample_times == sorted(set(early.sample_times) | set(late.sample_times))
    times, counts = merged.window_samples()
    # two generators each carrying the truth: twice the truth at every merged sample time
    expected = np.array([2 * _backlog(t) for t in times])
    assert np.abs(counts - expected).max() <= 2 + 2 * GROWTH * INTERVAL * 1.3
    assert backlog_growth(merged) == pytest.approx(2 * GROWTH, rel=0.03)


def test_a_starved_sampler_against_an_overloaded_queue_reports_its_growth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, over = 0.010, 1.3
    mu = 1 / service
    # every sample wakes 150 ms late: a tick of 100 ms is taken every 200-250 ms
    monkeypatch.setenv("EVALKIT_TEST_SAMPLER_LAG", "0.15")
    with ThreadedServer(single_server_app(service)) as server:
        data = one_system_study(
            peak_rate=f"{mu}/s",
            multiples=[over],
            target={"base_url": server.base_url, "start": {"path": "/work"}, "completion": {"mode": "sync"}},
            load={"stage_warmup": "1 s", "stage_duration": "6 s", "drain_timeout": "3 s"},
        )
        path = tmp_path / "overload.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        study = load_study(path)
        table = run_load_test(
            LoadPlan(study=study, candidate="target", stages=plan_stages(study), out_dir=tmp_path / "out")
        )
    metrics = dict(zip(table.frame["metric"], table.frame["value"], strict=True))
    growth = over * mu - mu
    assert metrics["saturated"] == 1
    assert 0.6 * growth < metrics["backlog_growth"] < 1.4 * growth
