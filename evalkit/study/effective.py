"""A run's effective study: the study file plus the run's overrides, validated once.

``evalkit run --seed 7 --quick`` does not run the study file: it runs that file with a different
seed, fewer replications and shorter load stages. That *effective* study is built here, once, by
writing the overrides into the file's own data and validating the result like any study file
(pydantic's ``model_copy(update=…)`` would skip validation and let ``--seed -5`` through). The run
store writes it into the run directory as ``study.yaml``; every stage and every child process
(reference platforms, load generators, scoring, reports) reads that file and nothing else, so no
stage can run with the file's seed while another runs with the override.

A bad override is the user's mistake: it is refused in one line that names the option, before
anything is created on disk.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evalkit.errors import InputError, StudyError
from evalkit.study.loader import read_study_data, validate_study_data
from evalkit.study.study import Study

__all__ = [
    "QUICK_DRAIN_SECONDS",
    "QUICK_EMULATION_SPEEDUP",
    "QUICK_MIN_WALL_CYCLE",
    "QUICK_REPLICATIONS",
    "QUICK_STAGE_SECONDS",
    "EffectiveStudy",
    "StudyOverrides",
]

QUICK_REPLICATIONS = 3
QUICK_STAGE_SECONDS = 3.0
#: Long enough for the window's last workflows to finish: a drain shorter than the process's tail
#: cycle time censors them (timeouts), and more than 5% censored makes a stage's p95 only a lower
#: bound, which proves nothing (evalkit.analysis.validity). 1 s made the default study's 2x and 4x
#: stages flip between conclusive and not from run to run. A drain ends as soon as all are done.
QUICK_DRAIN_SECONDS = 3.0
#: A quick run plays a reference platform up to this many times faster than the study's time scale
#: and shortens its stages by the same factor, so each stage covers the same study time and offers
#: the same workflows in a quarter of the wall clock. Live targets are never sped up.
QUICK_EMULATION_SPEEDUP = 4.0
#: ... but never so fast that the process's typical cycle time (no queueing) gets shorter than this
#: much wall clock. The emulation's sleeps make up their own lateness (evalkit.load.reference.
#: path_clock), but each workflow's HTTP exchange and the scheduling of two busy processes cost
#: it 1-2 ms of wall clock quietly and up to 8 ms (p95) with three runnable processes on two cores,
#: and that counts ``speedup`` times in study time. Above 150 ms it stays within a few percent:
#: tests/load/test_reference_vs_sim.py holds the emulation within 20% of the simulation at 140 ms
#: under the suite's own load, while 4x (35 ms) missed by 30-50%.
QUICK_MIN_WALL_CYCLE = 0.15


@dataclass(frozen=True)
class StudyOverrides:
    """What a command changes in the study it runs; ``None`` keeps the file's value.

    ``quick`` caps replications and load-stage lengths (a fast, honest pass: the stage warm-up is
    kept, because it must outlast a few cycle times or the window's backlog still fills and reads
    as growth).
    """

    seed: int | None = None
    replications: int | None = None
    quick: bool = False

    def describe(self) -> str:
        """``seed 7, quick`` or ``none``: for the run's log and the effective file's header."""
        parts = [f"seed {self.seed}" if self.seed is not None else ""]
        parts.append(f"{self.replications} replications" if self.replications is not None else "")
        parts.append("quick" if self.quick else "")
        return ", ".join(p for p in parts if p) or "none"


#: Which command-line option sets which study field, so an invalid value names the option.
_OPTION_OF_FIELD = {"seed": "--seed", "traffic.replications": "--replications"}


@dataclass(frozen=True)
class EffectiveStudy:
    """The validated effective study and the YAML data it was validated from."""

    study: Study
    data: dict[str, Any] = field(repr=False)
    overrides: StudyOverrides

    @classmethod
    def build(cls, study_path: Path, overrides: StudyOverrides, *, scorecard: str | None = None) -> EffectiveStudy:
        """Read ``study_path``, apply ``overrides`` (and a scorecard reference), validate once."""
        original, lines = read_study_data(study_path)
        data = _apply(original, validate_study_data(original, lines, study_path), overrides)
        if scorecard is not None:
            # A reference to the run's own copy of the scorecard, which the caller checked.
            data["scorecard"] = scorecard
        try:
            study = validate_study_data(data, lines, study_path)
        except StudyError as error:
            option = _OPTION_OF_FIELD.get(error.field or "")
            if option is None:
                raise
            raise InputError(f"{option}: {error.message}") from None
        return cls(study=study, data=data, overrides=overrides)

    def yaml_text(self, source: Path) -> str:
        """The effective study as a study file, with a header that says where it came from."""
        header = (
            f"# The effective study of this run: {source} with overrides: {self.overrides.describe()}.\n"
            "# Every stage of the run reads this file; the original is kept as study.source.yaml.\n"
        )
        return header + yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=100)


def _apply(original: dict[str, Any], study: Study, overrides: StudyOverrides) -> dict[str, Any]:
    data = copy.deepcopy(original)
    if overrides.seed is not None:
        data["seed"] = overrides.seed
    replications = overrides.replications
    if overrides.quick:
        replications = min(replications or study.traffic.replications, QUICK_REPLICATIONS)
        load = dict(data.get("load") or {})
        load["stage_duration"] = f"{min(study.load.stage_duration, QUICK_STAGE_SECONDS):g}s"
        load["drain_timeout"] = f"{min(study.load.drain_timeout, QUICK_DRAIN_SECONDS):g}s"
        data["load"] = load
    if replications is not None:
        traffic = data.get("traffic")
        if isinstance(traffic, dict):
            data["traffic"] = {**traffic, "replications": replications}
    return data
