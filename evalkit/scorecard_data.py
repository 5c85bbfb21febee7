"""The scored outcome of a study: the plain data ``scorecard.json`` holds and reports render.

``score()`` produces a ``ScoredStudy``; ``evalkit report`` and ``evalkit compare`` read it back
through this model and hand the typed records to the view, the charts and the templates.
Nothing here computes: these are frozen records.
The file is a contract between scoring and reporting: add optional fields freely, rename or remove
one only together with every template that reads it. ``format_version`` changes when it breaks.

Units: seconds for times, per-second for rates, fractions for shares, the study's currency for
money. Every ``display`` string is already formatted for people (``2.31 s``, ``≥ 4x``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from evalkit.errors import RunStoreError
from evalkit.files import write_atomically

__all__ = [
    "FORMAT_VERSION",
    "Provenance",
    "TargetProvenance",
    "CriterionInfo",
    "CriterionScore",
    "Evidence",
    "CurvePoint",
    "LoadHealth",
    "Bottleneck",
    "UslFit",
    "PerformanceAnalysis",
    "TypeSlo",
    "ModelError",
    "FaultImpact",
    "AssessmentView",
    "AssessedCriterion",
    "CostBreakdown",
    "IntegrationView",
    "CandidateResult",
    "CriticalWeight",
    "WeightCrossover",
    "Smaa",
    "Robustness",
    "AhpSummary",
    "KpiRow",
    "RateAtMultiple",
    "AssumedStep",
    "AssumedSystem",
    "AssumedStaff",
    "AssumedParameter",
    "AssumedCandidate",
    "AssumedCriterion",
    "AssumedKnockOut",
    "Assumptions",
    "ScoredStudy",
    "read_scored_study",
    "write_scored_study",
]

FORMAT_VERSION = 1


class Record(BaseModel):
    """A frozen record that ignores nothing: unknown keys in a scorecard.json are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TargetProvenance(Record):
    """One load-tested target: its base URL, the engine version where its API tells it, its poll interval."""

    candidate: str
    base_url: str
    kind: Literal["measured", "emulated"]
    kit: str | None = None
    engine_version: str | None = None
    version_source: str | None = Field(default=None, description="where the version was read (evalkit.load.provenance)")
    poll_interval: float | None = Field(default=None, description="seconds between status polls; None: synchronous")
    time_scale: float | None = Field(
        default=None, description="emulated: real seconds per study second the reference platform ran at"
    )
    speedup: float | None = Field(
        default=None, description="emulated: times faster than the study's load.time_scale (a quick run plays 4x)"
    )


class Provenance(Record):
    """Where the numbers came from."""

    run_id: str
    created: str = Field(description="ISO 8601 UTC")
    study_name: str
    study_title: str = ""
    study_file: str
    study_sha256: str
    scorecard_name: str
    scorecard_file: str
    seed: int
    evalkit_version: str
    library_versions: dict[str, str] = Field(default_factory=dict)
    quick: bool = False
    simulated: list[str] = Field(default_factory=list, description="candidates with simulation results")
    measured: list[str] = Field(default_factory=list, description="candidates load-tested on their live target")
    emulated: list[str] = Field(
        default_factory=list, description="candidates load-tested on evalkit's reference platform (an emulation)"
    )
    replications: int | None = None
    multiples: list[float] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    targets: list[TargetProvenance] = Field(default_factory=list, description="every load-tested target")


class CriterionInfo(Record):
    id: str
    label: str
    kind: Literal["measured", "assessed", "cost"]
    weight: float = Field(description="as written in the scorecard")
    normalised_weight: float = Field(description="share of the total, 0..1")
    direction: Literal["higher", "lower"]
    metric: str | None = None
    unit: str = ""
    description: str = ""


EvidenceKind = Literal["measured", "emulated", "simulated", "calibrated", "analytic", "assessed", "cost model", "study"]


class Evidence(Record):
    """What one figure rests on: its kind, why that source was chosen, and how strong it is.

    ``kind`` is the word a report prints: ``measured`` (a live target), ``emulated`` (evalkit's
    reference platform running the assumed design), ``simulated``, ``calibrated`` (the model with
    fitted parameters), ``analytic``, ``assessed`` (people's scores), ``cost model`` or ``study``
    (a fact the study states, such as connectors). See ``evalkit.analysis.evidence``.
    """

    kind: EvidenceKind
    reason: str = Field(default="", description="why this source was chosen for the figure")
    strength: str = Field(default="", description="replications, window, completions; or assessors")


class CriterionScore(Record):
    """One cell of the weighted matrix."""

    criterion_id: str
    raw: float | None = Field(description="the metric before the value function (None when missing)")
    raw_low: float | None = None
    raw_high: float | None = None
    unit: str = ""
    display: str = Field(description="raw value formatted with its unit, or 'missing'")
    value: float | None = Field(description="0..100 after the value function; None when missing")
    contribution: float | None = Field(description="value × normalised weight (points of the total)")
    source: Literal["sim", "load", "analytic", "assessed", "cost", "study"] = "sim"
    missing: bool = False
    note: str = ""
    evidence: Evidence | None = None


class LoadHealth(Record):
    """What a load-test stage says about itself besides latency: failures by class, back-pressure,
    the work it cost the target, and the resolution of its latencies."""

    rejected_share: float | None = Field(default=None, description="starts refused with 429/503")
    errors: dict[str, float] = Field(default_factory=dict, description="error class -> workflows, non-zero only")
    requests_per_workflow: float | None = Field(default=None, description="starts plus polls per workflow")
    polls_per_second: float | None = None
    engine_cpu_per_1000: float | None = Field(default=None, description="the engine's CPU-seconds per 1,000 workflows")
    resolution: float | None = Field(
        default=None, description="round trip to the target measured before the stage (stated, not subtracted)"
    )


class CurvePoint(Record):
    """One load multiple of one source: the performance curve's data."""

    multiple: float
    offered_rate: float | None = None
    completed_rate: float | None = None
    p95: float | None = None
    p95_low: float | None = None
    p95_high: float | None = None
    p99: float | None = None
    mean: float | None = None
    error_rate: float | None = None
    backlog_growth: float | None = None
    saturated: bool = False
    meets_slo: bool | None = None
    load: LoadHealth | None = Field(default=None, description="a load-test cell's own health (load source only)")
    validity: Literal["conclusive", "lower bound", "inconclusive"] = Field(
        default="conclusive",
        description="is the p95 evidence: conclusive, a lower bound (timeouts censor the tail: show '≥ x'), "
        "or inconclusive (too few completions; no number is shown). evalkit.analysis.validity",
    )
    validity_note: str = Field(
        default="", description="what happened, e.g. '0 of 2 workflows completed in a 3 s stage'"
    )
    validity_fix: str = Field(default="", description="the setting that would make the cell conclusive")


class Bottleneck(Record):
    multiple: float
    resource: str
    utilization: float


class UslFit(Record):
    """Universal Scalability Law: X(N) = λN / (1 + σ(N-1) + κN(N-1)), N = load multiple."""

    sigma: float
    kappa: float
    lambda_: float = Field(alias="lambda")
    peak_multiple: float | None = Field(description="where throughput peaks; None when it never does")
    r_squared: float
    retrograde: bool

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class TypeSlo(Record):
    """One workflow type's own SLO (``all``: the whole traffic) and how one source's curve meets it."""

    workflow_type: str = Field(description="'all' for the whole traffic, else the type's name")
    slo: str = Field(description="the type's service level, said for people: 'p95 ≤ 4 h, errors ≤ 2%'")
    split: bool = Field(description="False when this source does not record the type's own figures")
    max_sustainable_multiple: float | None = None
    max_sustainable_display: str = Field(default="", description="'2.6x', '≥ 4x', '< 1x', or '' when not split")
    target_multiple: float = Field(description="the multiple the verdict below is read at (costing target)")
    p95_at_target: float | None = None
    p95_display: str = ""
    meets_at_target: bool | None = Field(default=None, description="None when the target multiple was not tested")
    note: str = ""


class PerformanceAnalysis(Record):
    """The analysis of one candidate's results from one source."""

    source: Literal["sim", "load", "analytic"]
    evidence: EvidenceKind | None = Field(default=None, description="what the source is for this candidate")
    max_sustainable_multiple: float | None
    max_sustainable_display: str = Field(description="e.g. '2.6x', '≥ 4x', '< 1x'")
    never_broke: bool = False
    degradation_class: Literal["linear", "superlinear", "exponential", "unknown"] = "unknown"
    degradation_note: str = ""
    knee_multiple: float | None = None
    usl: UslFit | None = None
    curve: list[CurvePoint] = Field(default_factory=list)
    bottlenecks: list[Bottleneck] = Field(default_factory=list)
    utilization: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="resource -> {multiple as text: utilisation}"
    )
    max_sustainable_central: float | None = Field(default=None, description="judged on the means")
    max_sustainable_optimistic: float | None = Field(default=None, description="judged on the favourable CI bounds")
    max_sustainable_note: str = Field(default="", description="what failed first, and how it was judged")
    replications: int | None = Field(default=None, description="replications per multiple (1 for a load test)")
    workflow_types: list[TypeSlo] = Field(
        default_factory=list, description="a mix: every workflow type's own SLO and verdict, the whole first"
    )


class ModelError(Record):
    """Simulated against measured at one multiple."""

    multiple: float
    simulated_p95: float | None
    measured_p95: float | None
    relative_error: float | None = Field(description="(simulated - measured) / measured")
    within_interval: bool | None = Field(default=None, description="measured p95 inside the simulation's 95% CI")


class FaultImpact(Record):
    scenario: str
    component: str
    multiple: float
    stalled_workflows: float | None = None
    recovery_time: float | None = None
    lost: float | None = None
    source: Literal["sim", "load"] = "sim"


class AssessmentView(Record):
    assessor: str
    score: float
    rationale: str = ""


class AssessedCriterion(Record):
    criterion_id: str
    assessments: list[AssessmentView] = Field(default_factory=list)
    aggregate: float | None = None
    spread: float | None = Field(default=None, description="max - min across assessors")
    std: float | None = None


class CostBreakdown(Record):
    currency: str
    horizon_years: float
    licence: float
    infrastructure: float
    nodes: int
    implementation: float
    integration: float
    operations: float
    total: float
    integration_share: float = Field(description="integration / (implementation + integration)")


class IntegrationView(Record):
    coverage: float
    connectors: list[str] = Field(default_factory=list)
    custom: dict[str, float] = Field(default_factory=dict, description="system -> custom hours")
    custom_hours: float = 0.0


class CandidateResult(Record):
    name: str
    design: str
    description: str = ""
    rank: int = Field(description="1 = best among candidates not knocked out; knocked-out ones rank after them")
    total: float | None = Field(description="weighted score 0..100; None when a criterion is missing")
    total_partial: float = Field(description="sum of the contributions that exist")
    knocked_out: bool = False
    knockout_reasons: list[str] = Field(default_factory=list)
    scores: list[CriterionScore] = Field(default_factory=list)
    evidence_source: Literal["sim", "load", "analytic"] | None = Field(
        default=None, description="the results source the candidate's performance figures are read from"
    )
    evidence_reason: str = Field(default="", description="why that source (evalkit.analysis.evidence)")
    performance: list[PerformanceAnalysis] = Field(
        default_factory=list, description="one per source, the evidence source first"
    )
    model_vs_measured: list[ModelError] = Field(default_factory=list)
    faults: list[FaultImpact] = Field(default_factory=list)
    assessed: list[AssessedCriterion] = Field(default_factory=list)
    cost: CostBreakdown | None = None
    integration: IntegrationView | None = None


class CriticalWeight(Record):
    """Smallest change to one criterion's weight (others rescaled) that changes the winner."""

    criterion_id: str
    current_weight: float
    critical_weight: float | None = Field(description="normalised weight at which the winner changes; None = never")
    change: float | None = Field(description="critical - current, in normalised weight")
    new_winner: str | None = None


class WeightCrossover(Record):
    """Total score of every candidate as one criterion's weight sweeps 0..1."""

    criterion_id: str
    weights: list[float]
    totals: dict[str, list[float]]


class Smaa(Record):
    samples: int
    seed: int
    rank_acceptability: dict[str, list[float]] = Field(description="candidate -> P(rank 1), P(rank 2), …")
    p_best: dict[str, float]
    central_weights: dict[str, dict[str, float]] = Field(description="candidate -> criterion -> weight")
    weight_band: float | None = None


class Robustness(Record):
    critical_weights: list[CriticalWeight] = Field(default_factory=list)
    crossovers: list[WeightCrossover] = Field(default_factory=list)
    smaa: Smaa | None = None
    smallest_flip: CriticalWeight | None = None


class AhpSummary(Record):
    """Weights derived from pairwise comparisons, with Saaty's consistency check."""

    weights: dict[str, float]
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float


class KpiRow(Record):
    name: str
    metric: str
    unit: str
    today: float
    target: float
    at_multiple: float
    predicted: dict[str, float | None] = Field(description="candidate -> predicted value")
    display_today: str
    display_target: str
    display_predicted: dict[str, str]


class RateAtMultiple(Record):
    """One load multiple and the arrival rate it means, in the study's own unit."""

    multiple: float
    rate: float = Field(description="workflows started per second")
    display: str = Field(description="in the study's unit: '2,000 /h'")


class AssumedStep(Record):
    """One step of the process as the study describes it."""

    id: str
    workflow_type: str = ""
    kind: Literal["system", "human", "wait", "gateway"]
    performer: str = Field(default="", description="the system, staff pool or event")
    mean_time: float | None = Field(default=None, description="mean service time or wait (s); None for a gateway")
    after: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="exceptions, decisions, rework, said for people")


class AssumedSystem(Record):
    name: str
    domain: str
    capacity: int
    service_time: str = Field(description="the distribution, said for people: 'lognormal, mean 120 ms, cv 1'")
    mean_service_time: float
    outages: int = 0


class AssumedStaff(Record):
    name: str
    capacity: int


class AssumedParameter(Record):
    """One design parameter of one candidate and where its value comes from."""

    name: str
    value: str
    origin: Literal["assumed", "assumed (default)", "calibrated", "from the kit"]
    description: str = ""


class AssumedCandidate(Record):
    name: str
    design: str
    description: str = ""
    target: str | None = Field(default=None, description="the live target's base URL; None = reference platform")
    parameters: list[AssumedParameter] = Field(default_factory=list)


class AssumedCriterion(Record):
    """A criterion's weight as written, its share, and its value function's anchors."""

    id: str
    label: str
    weight: float
    normalised_weight: float
    anchors: str = Field(default="", description="'≥ 4x scores 100, 1x scores 0' or the assessed scale")


class AssumedKnockOut(Record):
    id: str
    rule: str
    reason: str


class Assumptions(Record):
    """What was modelled, as plain data: the study and scorecard a reader must accept to accept the result."""

    description: str = ""
    rate_unit: str = Field(default="/s", description="the unit the study wrote its peak in: /s, /min, /h, /d")
    peak: RateAtMultiple
    multiples: list[RateAtMultiple] = Field(default_factory=list)
    arrivals: str = "poisson"
    profile: str = "flat"
    horizon: float = 0.0
    warmup: float = 0.0
    replications: int = 0
    load_stage: str = Field(default="", description="warm-up, window, drain and time scale of a load stage")
    workflow_types: list[str] = Field(default_factory=list, description="'name (share)' for a mix")
    steps: list[AssumedStep] = Field(default_factory=list)
    systems: list[AssumedSystem] = Field(default_factory=list)
    staff: list[AssumedStaff] = Field(default_factory=list)
    candidates: list[AssumedCandidate] = Field(default_factory=list)
    slo: list[str] = Field(default_factory=list, description="each service level, said for people")
    criteria: list[AssumedCriterion] = Field(default_factory=list)
    knockouts: list[AssumedKnockOut] = Field(default_factory=list)
    weights_total: float = Field(default=100.0, description="the weights as written add up to this")


class ScoredStudy(Record):
    """Everything a scorecard or comparison report shows, as plain data."""

    format_version: int = FORMAT_VERSION
    provenance: Provenance
    slo: dict[str, float | None] = Field(description="p95_cycle_time, p99_cycle_time, max_error_rate")
    currency: str = "EUR"
    criteria: list[CriterionInfo]
    candidates: list[CandidateResult] = Field(description="in rank order")
    winner: str | None = Field(description="best candidate not knocked out; None if all are")
    winner_score: float | None = None
    rationale: str = ""
    robustness: Robustness = Field(default_factory=Robustness)
    kpis: list[KpiRow] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    ahp: AhpSummary | None = Field(default=None, description="present when the scorecard's weights come from AHP")
    assumptions: Assumptions | None = Field(default=None, description="what was modelled (the run's effective study)")


def write_scored_study(scored: ScoredStudy, path: str | Path) -> None:
    """Write ``scorecard.json`` (stable key order, so equal inputs give equal files)."""
    text = json.dumps(scored.model_dump(mode="json", by_alias=True), indent=2, sort_keys=False, allow_nan=False)
    write_atomically(Path(path), text + "\n")


def read_scored_study(path: str | Path) -> ScoredStudy:
    """Read ``scorecard.json``; a missing or foreign file is one clear error."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunStoreError(f"{path}: not found; run `evalkit score RUN_DIR` first") from None
    except IsADirectoryError:
        raise RunStoreError(f"{path}: is a directory, not a scorecard.json; run `evalkit score RUN_DIR`") from None
    except OSError as error:
        raise RunStoreError(f"{path}: unreadable ({error.strerror or error})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RunStoreError(f"{path}: not a scorecard.json ({error})") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise RunStoreError(
            f"{path}: scorecard.json format {data.get('format_version') if isinstance(data, dict) else '?'} is not {FORMAT_VERSION}"
        )
    from pydantic import ValidationError

    try:
        return ScoredStudy.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RunStoreError(f"{path}: {where}: {first['msg']}") from None
