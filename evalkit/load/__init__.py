"""Load testing: an open stream of workflow starts at multiples of peak, measured end to end.

The pipeline-facing API: ``plan_stages`` lists the stages (candidate × multiple),
``run_load_test(LoadPlan, FleetConfig)`` runs one candidate's stages in generator processes (Locust and gevent live only
there, never in the calling process), and ``ReferencePlatform`` runs a candidate's reference
platform for the duration of a ``with`` block. ``check_thresholds`` judges a stage's metrics
against the study's SLOs. Importing this package is cheap and patches nothing.
"""

from __future__ import annotations

from evalkit.load.plan import FleetConfig, LoadPlan
from evalkit.load.reference import ReferencePlatform
from evalkit.load.runner import run_load_test
from evalkit.load.stages import LoadStage, plan_stages
from evalkit.load.thresholds import ThresholdCheck, check_thresholds

__all__ = [
    "FleetConfig",
    "LoadPlan",
    "LoadStage",
    "ReferencePlatform",
    "ThresholdCheck",
    "check_thresholds",
    "plan_stages",
    "run_load_test",
]
