"""The names evalkit measures and judges by, with their units: one vocabulary for every stage.

``RESULT_METRICS`` are the rows of the long results table that the simulation and the load test
both write (the per-resource ones are prefixes: ``utilization:engine``). ``ANALYSIS_METRICS`` are
the per-candidate figures the analysis derives and a scorecard may score or knock out on.
Keeping both here is what lets the study loader refuse a scorecard metric evalkit cannot produce.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "RESULT_METRICS",
    "WORKFLOW_COUNTERS",
    "ERROR_CLASSES",
    "RESOURCE_METRIC_PREFIXES",
    "ANALYSIS_METRICS",
    "METRICS_NEEDING_MULTIPLE",
    "METRICS_FROM_FAULTS",
    "DEGRADATION_CLASSES",
    "is_result_metric",
    "result_unit",
    "TYPE_METRICS",
    "split_workflow_type",
]

#: metric -> unit, for rows of results.csv.
RESULT_METRICS: Final[dict[str, str]] = {
    "offered_rate": "1/s",
    "started": "count",
    "completed": "count",
    "failed": "count",
    "completed_rate": "1/s",
    "error_rate": "ratio",
    "cycle_time_mean": "s",
    "cycle_time_p50": "s",
    "cycle_time_p95": "s",
    "cycle_time_p99": "s",
    "start_latency_mean": "s",
    "start_latency_p95": "s",
    "backlog_end": "count",
    "backlog_growth": "1/s",
    "saturated": "bool",
    "exceptions": "count",
    "manual_interventions": "count",
    "dead_lettered": "count",
    "duplicates": "count",
    "lost": "count",
    "late_starts": "count",
    "dropped_starts": "count",
    "achieved_rate": "1/s",
    "timeouts": "count",
    "stalled_workflows": "count",
    "recovery_time": "s",
    "little_l": "count",
    "little_lambda_w": "count",
    # A live target's answers (the generic HTTP adapter): back-pressure and failures told apart.
    "rejected": "count",
    "rejected_share": "ratio",
    "requests_per_workflow": "count",
    "errors_connection_refused": "count",
    "errors_connect_timeout": "count",
    "errors_read_timeout": "count",
    "errors_http_4xx": "count",
    "errors_http_5xx": "count",
    "errors_protocol": "count",
    # A local engine's resource use per stage (evalkit.load.resources)
    "engine_cpu_seconds": "s",
    "engine_peak_memory": "MB",
    "engine_cpu_per_1000": "s",
    # The load generator's own state: a generator-limited stage says nothing about the platform.
    "polls_per_second": "1/s",
    "generator_cpu": "ratio",
    "generator_limited": "bool",
    # The measurement's resolution: the round trip to the target, measured before the first stage
    # (median of a few TCP connects, in study seconds). Stated beside latencies, never subtracted.
    "client_resolution": "s",
    # Across stage boundaries on a live target (evalkit.load.runner): workflows of the previous
    # stage still running at a stage's start, and a stage's own left running after the wait.
    "carried_in": "count",
    "spilled": "count",
    # A polled completion is seen up to one poll interval late (study seconds).
    "poll_interval": "s",
}

#: Why a workflow on a live target ended in error, one ``errors_<class>`` count each (see
#: ``evalkit.load.failures``); back-pressure (429/503) is not among them: it is ``rejected``.
ERROR_CLASSES: Final[tuple[str, ...]] = (
    "connection_refused",
    "connect_timeout",
    "read_timeout",
    "http_4xx",
    "http_5xx",
    "protocol",
)

#: prefix -> unit; the full name is ``prefix:resource`` (``utilization:system:payments``).
RESOURCE_METRIC_PREFIXES: Final[dict[str, str]] = {
    "utilization": "ratio",
    "wait_mean": "s",
    "queue_mean": "count",
}

#: name -> (unit, what it means); scorecard criteria and knock-outs may use these.
ANALYSIS_METRICS: Final[dict[str, tuple[str, str]]] = {
    "max_sustainable_multiple": ("x", "highest load multiple meeting every SLO with a stable backlog"),
    "cycle_time_mean": ("s", "mean cycle time at a multiple"),
    "cycle_time_p95": ("s", "95th percentile cycle time at a multiple"),
    "cycle_time_p99": ("s", "99th percentile cycle time at a multiple"),
    "cycle_time_p95_slo_ratio": ("ratio", "p95 at a multiple divided by the SLO's p95"),
    "completed_rate": ("1/s", "completed workflows per second at a multiple"),
    "error_rate": ("ratio", "failed or lost share at a multiple"),
    "degradation_class": ("class", "0 linear, 1 superlinear, 2 exponential"),
    "usl_peak_multiple": ("x", "load multiple of peak throughput from the USL fit"),
    "recovery_time": ("s", "time to drain the backlog after a fault (worst fault unless one is named)"),
    "stalled_workflows": ("count", "workflows stalled by a fault (worst fault unless one is named)"),
    "lost_workflows": ("count", "workflows lost to a fault"),
    "manual_interventions_per_workflow": ("ratio", "human exception handling per completed workflow at a multiple"),
    "connector_coverage": ("ratio", "share of the study's systems covered by pre-built connectors"),
    "custom_integration_hours": ("h", "hours to integrate the systems with no connector"),
    "tco": ("currency", "total cost of ownership over the study's horizon"),
}

#: Per-workflow outcome counts every source tallies (the simulation, the reference platforms).
WORKFLOW_COUNTERS: Final[tuple[str, ...]] = (
    "started",
    "completed",
    "failed",
    "lost",
    "exceptions",
    "manual_interventions",
    "dead_lettered",
    "duplicates",
)

METRICS_NEEDING_MULTIPLE: Final[frozenset[str]] = frozenset(
    {
        "cycle_time_mean",
        "cycle_time_p95",
        "cycle_time_p99",
        "cycle_time_p95_slo_ratio",
        "completed_rate",
        "error_rate",
        "manual_interventions_per_workflow",
    }
)
METRICS_FROM_FAULTS: Final[frozenset[str]] = frozenset({"recovery_time", "stalled_workflows", "lost_workflows"})
DEGRADATION_CLASSES: Final[tuple[str, ...]] = ("linear", "superlinear", "exponential")


#: Metrics also kept per workflow type of a mix. A source's metric mapping names them
#: ``<metric>@<type>`` and a scorecard rule may too; the results table files them under the plain
#: name with ``workflow_type = <type>`` (the whole is ``all``): ``split_workflow_type`` is the one parser.
TYPE_METRICS: Final[tuple[str, ...]] = (
    "started", "completed", "failed", "lost", "error_rate",
    "cycle_time_mean", "cycle_time_p50", "cycle_time_p95", "cycle_time_p99",
)  # fmt: skip


def split_workflow_type(name: str) -> tuple[str, str]:
    """``cycle_time_p95@referred`` -> (``cycle_time_p95``, ``referred``); a plain name's type is ``all``."""
    metric, _, workflow_type = name.partition("@")
    return metric, workflow_type or "all"


def is_result_metric(name: str) -> bool:
    """True for a fixed result metric, a ``prefix:resource`` one, or a per-type ``metric@type``."""
    if name in RESULT_METRICS:
        return True
    metric, _, workflow_type = name.partition("@")
    if workflow_type:
        return metric in TYPE_METRICS
    prefix, _, resource = name.partition(":")
    return bool(resource) and prefix in RESOURCE_METRIC_PREFIXES


def result_unit(name: str) -> str:
    """The unit of a result metric; raises ``KeyError`` for an unknown one."""
    if name in RESULT_METRICS:
        return RESULT_METRICS[name]
    metric, _, workflow_type = name.partition("@")
    if workflow_type and metric in TYPE_METRICS:
        return RESULT_METRICS[metric]
    prefix, _, resource = name.partition(":")
    if resource and prefix in RESOURCE_METRIC_PREFIXES:
        return RESOURCE_METRIC_PREFIXES[prefix]
    raise KeyError(name)
