"""What a load test runs (a ``LoadPlan``) and on which generators (a ``FleetConfig``).

The two are kept apart because they change for different reasons: the plan comes from the study
(one candidate, its stages, its target or reference platform, the stage length), while the fleet
is how the runner's own machine or cluster produces the load (generator processes, or a Locust
master with local and remote workers). ``run_load_test(plan, fleet)`` takes both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalkit.load.stages import LoadStage
from evalkit.study import Study

__all__ = ["FleetConfig", "LoadPlan"]


@dataclass(frozen=True)
class LoadPlan:
    """One candidate's load test.

    ``base_url`` is the candidate's reference platform (or overrides its target's URL); ``None``
    uses the study's target. Locust's own CSV and HTML go to ``out_dir``. ``time_scale`` is the
    reference platform's (default: what its ``/health`` reports, else the study's
    ``load.time_scale``; 1 for a real target). ``synchronous=False`` polls a reference platform
    instead of waiting on the start call. ``record_samples`` keeps raw cycle times in
    ``stages.jsonl`` (a debug aid for checking the exact merge). ``speedup`` > 1 says the
    reference platform plays the study's time that many times faster than ``load.time_scale``
    (a quick run); every stage phase is shortened alike, so a stage covers the same study time.
    """

    study: Study
    candidate: str
    stages: Sequence[LoadStage]
    out_dir: Path
    base_url: str | None = None
    stage_seconds: float | None = None
    time_scale: float | None = None
    synchronous: bool = True
    record_samples: bool = False
    speedup: float = 1.0

    def __post_init__(self) -> None:
        # Callers may pass any sequence of stages; a tuple keeps the plan frozen and hashable.
        object.__setattr__(self, "stages", tuple(self.stages))
        object.__setattr__(self, "out_dir", Path(self.out_dir))


@dataclass(frozen=True)
class FleetConfig:
    """The generators that carry the load.

    ``load_workers`` > 0 (or ``expect_workers``) runs a Locust master bound on ``master_bind``:
    ``master_port`` (default: any free port, or 5557 when remote workers are expected) with
    ``load_workers`` local workers, and waits up to ``join_timeout`` seconds until
    ``expect_workers`` (default ``load_workers``) have joined. Otherwise ``processes``
    independent generator processes share each stage's rate.
    """

    processes: int = 1
    load_workers: int = 0
    expect_workers: int | None = None
    master_bind: str = "127.0.0.1"
    master_port: int | None = None
    join_timeout: float = 60.0
