"""Measured stages made by the analytic model itself, from hidden parameters, with seeded noise."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from evalkit.analytic.cell import arrival_rate
from evalkit.calibrate import Stage
from evalkit.calibrate.fit import _stage_figures
from evalkit.calibrate.parameters import fitted_spec
from evalkit.study import Study, load_study

ENGINE = Path(__file__).parent / "studies" / "engine.yaml"
FIGURES = ("cycle_time_mean", "cycle_time_p95", "utilization:engine", "wait_mean:engine")


def engine_study() -> Study:
    return load_study(ENGINE)


def stages_from(
    study: Study, hidden: dict[str, float], multiples: Sequence[float], rng: np.random.Generator, noise: float = 0.03
) -> list[Stage]:
    spec = fitted_spec(study, "Engine", hidden)
    stages = []
    for multiple in multiples:
        rate = arrival_rate(study, multiple)
        figures = _stage_figures(spec, rate)
        metrics = {"offered_rate": rate, "saturated": figures["saturated"], "completed_rate": figures["completed_rate"]}
        if not figures["saturated"]:
            for name in FIGURES:
                metrics[name] = figures[name] * (1 + noise * rng.standard_normal())
        stages.append(Stage(multiple, metrics))
    return stages
