"""Candidate platforms: their design, its parameters, and what the scorecard needs about them.

A candidate is one platform under evaluation. Its ``design`` picks the simulation model
(``centralized``, ``federated`` or ``event-driven``) and its ``parameters`` size that model; every
parameter states its unit and default here, and ``evalkit schema`` publishes them. A candidate may
also carry a live ``target`` to load-test, the systems its pre-built connectors cover, assessors'
scores and its cost inputs.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, field_validator, model_validator

from evalkit.study.base import Model
from evalkit.units import Duration, Fraction

__all__ = [
    "DESIGNS",
    "CentralizedParameters",
    "DomainOverride",
    "FederatedParameters",
    "EventDrivenParameters",
    "StartRequest",
    "Completion",
    "Target",
    "Assessment",
    "Integration",
    "CostInputs",
    "CentralizedCandidate",
    "FederatedCandidate",
    "EventDrivenCandidate",
    "Candidate",
]

DESIGNS = ("centralized", "federated", "event-driven")
CandidateName = Annotated[str, Field(min_length=1, max_length=80)]


class CentralizedParameters(Model):
    """One engine drives every step transition and persists every state change in one store."""

    engine_workers: PositiveInt = Field(
        default=8, le=100_000, description="engine threads dispatching transitions (count)"
    )
    dispatch_time: Duration = Field(default=0.005, ge=0, description="engine CPU per transition (s; default 5ms)")
    store_connections: PositiveInt = Field(default=10, le=100_000, description="state-store connection pool (count)")
    persist_time: Duration = Field(default=0.003, ge=0, description="one state write (s; default 3ms)")
    on_outage: Literal["queue", "reject"] = Field(
        default="queue", description="during an engine outage, new starts wait (queue) or are refused (reject)"
    )


class DomainOverride(Model):
    """Per-domain sizing of a federated controller, overriding the federated defaults."""

    controller_workers: PositiveInt | None = Field(default=None, le=100_000)
    dispatch_time: Duration | None = Field(default=None, ge=0)
    store_connections: PositiveInt | None = Field(default=None, le=100_000)
    persist_time: Duration | None = Field(default=None, ge=0)


class FederatedParameters(Model):
    """A controller per business domain; cross-domain handoffs go through a global coordinator."""

    controller_workers: PositiveInt = Field(default=4, le=100_000, description="workers per domain controller (count)")
    dispatch_time: Duration = Field(default=0.005, ge=0, description="controller CPU per transition (s; default 5ms)")
    store_connections: PositiveInt = Field(
        default=5, le=100_000, description="connections of each domain's store (count)"
    )
    persist_time: Duration = Field(
        default=0.003, ge=0, description="one state write in a domain store (s; default 3ms)"
    )
    coordinator_workers: PositiveInt = Field(default=4, le=100_000, description="global coordinator workers (count)")
    coordinator_time: Duration = Field(default=0.004, ge=0, description="coordinator CPU per handoff (s; default 4ms)")
    handoff_latency: Duration = Field(
        default=0.020, ge=0, description="added network/queue delay per cross-domain handoff (s; default 20ms)"
    )
    domains: dict[str, DomainOverride] = Field(
        default_factory=dict, description="per-domain overrides, keyed by domain"
    )


class EventDrivenParameters(Model):
    """Steps choreographed by events on a partitioned broker, consumed by per-step groups."""

    partitions: PositiveInt = Field(
        default=12, le=100_000, description="broker partitions; ordering holds per partition (count)"
    )
    publish_latency: Duration = Field(
        default=0.002, ge=0, description="broker time to append one event to a partition (s; default 2ms)"
    )
    consume_latency: Duration = Field(
        default=0.002, ge=0, description="delay from append to a consumer receiving it (s; default 2ms)"
    )
    consumer_concurrency: PositiveInt = Field(default=8, le=100_000, description="consumers per step's group (count)")
    step_concurrency: dict[str, PositiveInt] = Field(
        default_factory=dict, description="per-step consumer overrides, keyed by step id"
    )
    delivery: Literal["at-least-once", "exactly-once"] = Field(
        default="at-least-once", description="delivery guarantee"
    )
    duplicate_probability: Fraction = Field(
        default=0.01, ge=0, le=1, description="chance an event is delivered twice (at-least-once only)"
    )
    max_deliveries: PositiveInt = Field(
        default=5, le=1000, description="deliveries of a failing event before it is dead-lettered"
    )
    on_outage: Literal["buffer", "fail"] = Field(
        default="buffer", description="during a broker outage producers buffer events or fail the workflow"
    )
    tracing_overhead: Duration = Field(
        default=0.0005, ge=0, description="tracing cost per event for end-to-end visibility (s; default 0.5ms)"
    )


_ENV_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


class StartRequest(Model):
    """The HTTP request that starts one workflow."""

    method: Literal["POST", "PUT", "GET"] = "POST"
    path: str = Field(
        default="/workflows",
        description="path on the target's base_url, or a full URL; {{seq}}, {{uuid}}, {{id}}, {{type}} (a mix's workflow type) and ${ENV} are filled in",
    )
    body: dict[str, Any] | None = Field(
        default=None, description="JSON body template; {{seq}}, {{uuid}}, {{id}}, {{type}} and ${ENV} are filled in"
    )
    id_pointer: str = Field(default="/id", description="JSON pointer to the workflow id in the response")
    id: str | None = Field(
        default=None,
        description="the workflow id the client chooses (e.g. order-{{uuid}}), for engines whose start path "
        "names the id; when set, id_pointer is not read",
    )
    retries: int = Field(
        default=0, ge=0, le=100, description="retries of a start call answered 429 or 503 (back-pressure)"
    )
    retry_delay: Duration = Field(
        default=1.0, gt=0, description="wait before retrying a back-pressured start without a Retry-After"
    )

    @field_validator("id_pointer")
    @classmethod
    def _pointer(cls, pointer: str) -> str:
        if pointer and not pointer.startswith("/"):
            raise ValueError("a JSON pointer starts with '/', e.g. /id or /data/workflowId")
        return pointer


HttpStatus = Annotated[int, Field(ge=100, le=599)]


class Completion(Model):
    """How the load test knows a workflow has finished: a JSON status field, the HTTP status code, or both.

    With code lists, a poll answered with a ``pending_status`` code means still running, a
    ``failed_status`` code means failed and a ``done_status`` code means over: completed when
    ``status_pointer`` is null (the code alone decides), else judged by the field. With a
    ``pending`` list, a field value in none of ``done``, ``failed`` and ``pending`` (or no field at
    all) is a protocol error; without it, any other value, or none, means still running (a long
    poll that ended with no news).
    """

    mode: Literal["sync", "poll"] = Field(default="poll", description="sync: the start response means done")
    status_path: str = Field(default="/workflows/{id}", description="status URL; {id} and ${ENV} are replaced")
    status_pointer: str | None = Field(
        default="/status", description="JSON pointer to the status field; null: the status code alone decides"
    )
    done: tuple[str, ...] = Field(default=("completed",), min_length=1, description="status values meaning success")
    failed: tuple[str, ...] = Field(default=("failed", "lost"), description="status values meaning failure")
    pending: tuple[str, ...] = Field(
        default=(), description="status values meaning still running; if given, any other value is an error"
    )
    pending_status: tuple[HttpStatus, ...] = Field(default=(), description="HTTP codes meaning still running")
    done_status: tuple[HttpStatus, ...] = Field(default=(), description="HTTP codes meaning the workflow is over")
    failed_status: tuple[HttpStatus, ...] = Field(default=(), description="HTTP codes meaning the workflow failed")
    poll_interval: Duration = Field(default=0.05, gt=0, description="time between status polls")

    @model_validator(mode="after")
    def _decidable(self) -> Completion:
        if self.status_pointer is None and not self.done_status:
            raise ValueError("status_pointer: null needs done_status, the HTTP codes that mean the workflow is over")
        if self.status_pointer and not self.status_pointer.startswith("/"):
            raise ValueError("status_pointer: a JSON pointer starts with '/', e.g. /status")
        pending, done, failed = set(self.pending_status), set(self.done_status), set(self.failed_status)
        shared = (pending & done) | (pending & failed) | (done & failed)
        if shared:
            raise ValueError(
                f"HTTP code {min(shared)} is in more than one of pending_status, done_status, failed_status"
            )
        return self


class Target(Model):
    """A live endpoint to load-test through the generic HTTP adapter."""

    base_url: str = Field(pattern=r"^https?://", description="e.g. http://127.0.0.1:8080")
    start: StartRequest = Field(default_factory=StartRequest)
    completion: Completion = Field(default_factory=Completion)
    headers: dict[str, str] = Field(
        default_factory=dict, description="request headers; write secrets as ${ENV_VAR}, never literally"
    )
    timeout: Duration = Field(default=30.0, gt=0, description="per-request timeout")
    workflow_timeout: Duration = Field(default=120.0, gt=0, description="give up on a workflow after this")
    kit: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{0,39}$",
        description="the platforms/ kit running this target on this machine: its CPU and memory are recorded per stage",
    )

    @field_validator("headers")
    @classmethod
    def _no_literal_secrets(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            secret = (
                name.lower() in ("authorization", "proxy-authorization", "x-api-key", "cookie")
                or "token" in name.lower()
            )
            if secret and not _ENV_REFERENCE.search(value):
                raise ValueError(f"header {name!r} carries a secret: write it as ${{ENV_VAR}}, never in the file")
        return headers


class Assessment(Model):
    """One assessor's score on one criterion, with the reason."""

    assessor: str = Field(min_length=1, max_length=120)
    score: float = Field(description="on the criterion's scale in the scorecard (1-5 by default)")
    rationale: str = Field(default="", max_length=4000)


class Integration(Model):
    """Which of the study's systems the candidate's pre-built connectors cover, and the rest's cost."""

    connectors: tuple[str, ...] = Field(default=(), description="systems covered out of the box")
    custom_hours_default: NonNegativeFloat = Field(
        default=160.0, description="hours to integrate a system with no connector"
    )
    custom_hours: dict[str, NonNegativeFloat] = Field(
        default_factory=dict, description="hours per system, overriding the default"
    )


class CostInputs(Model):
    """Inputs to total cost of ownership over the study's horizon (currency in ``costing``)."""

    licence_per_year: NonNegativeFloat = Field(default=0.0)
    node_cost_per_year: NonNegativeFloat = Field(default=6000.0, description="one infrastructure node per year")
    workers_per_node: PositiveInt = Field(default=16, description="orchestration workers one node carries")
    minimum_nodes: PositiveInt = Field(default=2, description="nodes for availability, whatever the load")
    implementation_hours: NonNegativeFloat = Field(default=0.0, description="implementation effort besides integration")
    operations_per_year: NonNegativeFloat = Field(default=0.0, description="running cost: staff, support")


class Calibration(Model):
    """Where a calibrated candidate's design parameters came from (written by ``evalkit calibrate``).

    Its presence makes the candidate's simulated figures *calibrated* predictions in the evidence
    record, rather than figures from assumed parameters.
    """

    run_id: str = Field(max_length=200, description="the run whose load test the parameters were fitted to")
    multiples: tuple[PositiveFloat, ...] = Field(min_length=1, description="the load multiples fitted")
    fitted: tuple[str, ...] = Field(default=(), description="the parameters that were fitted")
    fit: str = Field(default="", max_length=500, description="fit quality, in words")
    verified: bool = Field(default=False, description="whether a held-out measurement checked the prediction")


class _CandidateBase(Model):
    name: CandidateName
    description: str = Field(default="", max_length=4000)
    calibration: Calibration | None = Field(
        default=None, description="set by `evalkit calibrate`: the parameters were fitted to a measurement"
    )
    exception_automation: Fraction = Field(
        default=0.0, ge=0, le=1, description="share of human exception handling the platform automates (seed: 0.7)"
    )
    target: Target | None = Field(
        default=None, description="live endpoint; without one, the reference platform is used"
    )
    integration: Integration = Field(default_factory=Integration)
    assessments: dict[str, tuple[Assessment, ...]] = Field(default_factory=dict, description="keyed by criterion id")
    cost: CostInputs = Field(default_factory=CostInputs)


class CentralizedCandidate(_CandidateBase):
    """A candidate built on a central workflow engine (Methodology A)."""

    design: Literal["centralized"]
    parameters: CentralizedParameters = Field(default_factory=CentralizedParameters)


class FederatedCandidate(_CandidateBase):
    """A candidate built from federated domain controllers (Methodology B)."""

    design: Literal["federated"]
    parameters: FederatedParameters = Field(default_factory=FederatedParameters)


class EventDrivenCandidate(_CandidateBase):
    """A candidate that choreographs steps over an event broker (Methodology C)."""

    design: Literal["event-driven"]
    parameters: EventDrivenParameters = Field(default_factory=EventDrivenParameters)


Candidate = Annotated[CentralizedCandidate | FederatedCandidate | EventDrivenCandidate, Field(discriminator="design")]
