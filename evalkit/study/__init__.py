"""The input of evalkit: a selection study and the scorecard that judges it.

``load_study`` reads a ``scenarios/*.yaml`` file into a frozen, validated ``Study``;
``load_scorecard`` does the same for ``scorecards/*.yaml``. Both refuse bad input with one
``StudyError`` line that names the file, line and field.
"""

from evalkit.study.candidates import (
    DESIGNS,
    CentralizedCandidate,
    CentralizedParameters,
    EventDrivenCandidate,
    EventDrivenParameters,
    FederatedCandidate,
    FederatedParameters,
    Target,
)
from evalkit.study.distributions import Distribution
from evalkit.study.loader import (
    bundled_path,
    load_scorecard,
    load_study,
    load_study_with_scorecard,
    resolve_scorecard,
    study_digest,
)
from evalkit.study.references import fault_components
from evalkit.study.scorecard import Criterion, KnockOut, Scorecard, ValueFunction
from evalkit.study.study import Study
from evalkit.study.traffic import Fault, Slo, Traffic
from evalkit.study.workload import Step, System

__all__ = [
    "DESIGNS",
    "CentralizedCandidate",
    "CentralizedParameters",
    "Criterion",
    "Distribution",
    "EventDrivenCandidate",
    "EventDrivenParameters",
    "Fault",
    "FederatedCandidate",
    "FederatedParameters",
    "KnockOut",
    "Scorecard",
    "Slo",
    "Step",
    "Study",
    "System",
    "Target",
    "Traffic",
    "ValueFunction",
    "bundled_path",
    "fault_components",
    "load_scorecard",
    "load_study",
    "load_study_with_scorecard",
    "resolve_scorecard",
    "study_digest",
]
