"""From a BPMN process graph to study steps: what becomes what.

- service, send, business-rule, script and plain tasks (and message throw events) become system
  steps; user and manual tasks become staff steps (the pool is the lane's, or the mapping's);
- an exclusive or inclusive gateway with several ways out becomes a decision: on the task
  right before it when that task leads only to it, else a gateway step; parallel gateways and
  joining gateways become the ``after`` lists (fork and join);
- a flow that loops back (found by a depth-first walk from the start) must leave an exclusive
  gateway: it becomes a rework loop on the step before that gateway, back to the step it reaches;
- intermediate timer, message, signal and conditional catch events and receive tasks become
  waits on an event of the process (an ISO 8601 timer duration becomes a constant delay);
- an error boundary event becomes the task's exception: ``fail`` if its path ends at once,
  ``human`` if it leads to a user or manual task that rejoins the flow after the task;
- several pools (or top-level processes) become a mix of workflow types.

Numbers BPMN does not carry come from the mapping or ``evalkit.*`` extension properties, or are
written as ``TODO``. Whatever cannot be converted is refused, one line per element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from evalkit.bpmn.graph import Node, ProcessGraph
from evalkit.bpmn.mapping import Mapping
from evalkit.bpmn.walks import DECIDING, END, STAFF_TASKS, SYSTEM_TASKS, WAITS, GraphWalks
from evalkit.study.placeholders import TODO

__all__ = ["Converter", "slug"]

_EVENT_KINDS = {"timer": "timer", "message": "message", "signal": "callback", "conditional": "callback"}
_ISO_DURATION = re.compile(
    r"^P(?:(?P<W>[\d.]+)W)?(?:(?P<D>[\d.]+)D)?(?:T(?:(?P<H>[\d.]+)H)?(?:(?P<M>[\d.]+)M)?(?:(?P<S>[\d.]+)S)?)?$"
)
_SECONDS = {"W": 604800, "D": 86400, "H": 3600, "M": 60, "S": 1}
_DEFAULT_MAX_PASSES = 3


def slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text.strip().lower()).strip("-")
    return slug[:60] or "step"


def _value(text: str | None) -> Any:
    """An extension property's text as YAML (``{dist: constant, value: 2s}``, ``12%``, ``3``)."""
    if text is None:
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _iso_seconds(duration: str | None) -> float | None:
    match = _ISO_DURATION.match(duration or "")
    if not match or not any(match.groupdict().values()):
        return None
    return sum(float(v) * _SECONDS[k] for k, v in match.groupdict().items() if v)


@dataclass
class Converter(GraphWalks):
    """Converts one process graph; collects refusals instead of stopping at the first."""

    graph: ProcessGraph
    mapping: Mapping
    taken_ids: set[str]
    refusals: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    exceptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)
    pools: list[str] = field(default_factory=list)

    # Structure: exceptions and loops ------------------------------------------------------------
    def boundary_events(self) -> None:
        """Error boundary events become exceptions; their paths leave the graph."""
        for node in [n for n in self.graph.nodes.values() if n.kind == "boundaryEvent"]:
            task = self.graph.nodes.get(node.attached_to or "")
            if task is None or task.kind not in SYSTEM_TASKS | STAFF_TASKS:
                self.refusals.append(f"{node.label}: an error boundary event must sit on a task, not a subprocess")
                continue
            handler = self.ahead(node.id)
            probability = self.probability(node.id, node.name, node.properties)
            if handler == [END]:
                self.exceptions[task.id] = {"handling": "fail", "probability": probability}
            elif len(handler) == 1 and self.graph.nodes[handler[0]].kind in STAFF_TASKS:
                person = self.graph.nodes[handler[0]]
                rejoins = set(self.ahead(person.id)) <= set(self.ahead(task.id))
                if not rejoins:
                    self.refusals.append(
                        f"{node.label}: its handler {person.label} must rejoin the flow after {task.label}"
                    )
                    continue
                staff = self.staff_step(person)
                self.exceptions[task.id] = {
                    "handling": "human",
                    "probability": probability,
                    "pool": staff["staff"],
                    "resolution_time": staff["service_time"],
                }
                self.remove(person.id)
            else:
                self.refusals.append(
                    f"{node.label}: its path must end at once (fail) or go to one user or manual task (human)"
                )
                continue
            self.remove(node.id)

    def loops(self) -> dict[str, dict[str, Any]]:
        """Rework loops, keyed by the step they follow; the loop-back flows leave the graph."""
        reworks: dict[str, dict[str, Any]] = {}
        for flow in self.back_flows():
            gateway = self.graph.nodes[flow.source]
            if gateway.kind != "exclusiveGateway":
                self.refusals.append(
                    f"{gateway.label}: a cycle leaves it back to {flow.target!r}; loops must go back from an "
                    f"exclusive gateway (evalkit makes that a rework loop)"
                )
                continue
            self.graph.flows.remove(flow)
            if len(self.graph.outgoing(gateway.id)) != 1:
                self.refusals.append(
                    f"{gateway.label}: a loop-back gateway needs exactly one way forward; split it into two gateways"
                )
                continue
            last, first = self.before(gateway.id), self.ahead(flow.target, include_self=True)
            if len(last) != 1 or len(first) != 1 or first == [END] or last[0] in reworks:
                self.refusals.append(
                    f"{gateway.label}: a rework loop goes from one step back to one earlier step; draw one task "
                    f"before the gateway and one where the loop lands"
                )
                continue
            passes = _value(gateway.properties.get("max")) or self.mapping.pick(
                self.mapping.loops, gateway.id, gateway.name
            )
            reworks[last[0]] = {
                "to": first[0],
                "probability": self.probability(flow.id, flow.name, flow.properties),
                "max": passes or _DEFAULT_MAX_PASSES,
            }
        return reworks

    def probability(self, element_id: str, name: str, properties: dict[str, str]) -> Any:
        mapped = self.mapping.pick(self.mapping.flows, element_id.split("/")[-1], name)
        if mapped is not None:
            return mapped
        return _value(properties.get("probability")) if "probability" in properties else TODO

    # Steps --------------------------------------------------------------------------------------
    def step_id(self, node: Node) -> str:
        if node.id not in self.ids:
            base = slug(node.name or node.id.split("/")[-1])
            candidate, number = base, 2
            while candidate in self.taken_ids:
                candidate, number = f"{base}-{number}", number + 1
            self.taken_ids.add(candidate)
            self.ids[node.id] = candidate
        return self.ids[node.id]

    def mapped(self, node: Node) -> dict[str, Any]:
        """Step fields from the mapping (by id or name), then from extension properties."""
        fields = {key: _value(value) for key, value in node.properties.items() if key in _STEP_KEYS}
        fields.update(self.mapping.pick(self.mapping.tasks, node.id.split("/")[-1], node.name) or {})
        return fields

    def staff_step(self, node: Node) -> dict[str, Any]:
        fields = self.mapped(node)
        lane_pool = self.mapping.lanes.get(node.lane or "") or (slug(node.lane) if node.lane else None)
        pool = fields.get("staff") or lane_pool or TODO
        if pool != TODO and pool not in self.pools:
            self.pools.append(pool)
        return {"staff": pool, "service_time": fields.get("service_time", TODO)}

    def system_step(self, node: Node) -> dict[str, Any]:
        fields = self.mapped(node)
        system = fields.get("system") or TODO
        if system != TODO and system not in self.systems:
            self.systems.append(system)
        step: dict[str, Any] = {"system": system}
        if "service_time" in fields:
            step["service_time"] = fields["service_time"]
        return step

    def wait_step(self, node: Node) -> dict[str, Any]:
        name = self.step_id(node)
        mapped = self.mapping.pick(self.mapping.events, node.id.split("/")[-1], node.name)
        seconds = _iso_seconds(node.duration)
        if mapped is not None:
            delay: Any = mapped
        elif "delay" in node.properties:
            delay = _value(node.properties["delay"])
        elif seconds is not None:
            delay = {"dist": "constant", "value": f"{seconds:g}s"}
        else:
            delay = TODO
        kind = "message" if node.kind == "receiveTask" else _EVENT_KINDS.get(node.definition or "", "message")
        self.events.append({"name": name, "kind": kind, "delay": delay})
        return {"wait": name}

    def decision(self, node: Node) -> dict[str, Any] | None:
        branches: dict[str, dict[str, Any]] = {}
        for flow in self.graph.outgoing(node.id):
            targets = self.ahead(flow.target, include_self=True)
            if len(targets) != 1:
                self.refusals.append(
                    f"{node.label}: its flow {flow.id!r} forks at once into {len(targets)} paths; put a task or a "
                    f"parallel gateway after a task on that branch"
                )
                return None
            target = targets[0] if targets[0] == END else self.step_id(self.graph.nodes[targets[0]])
            probability = self.probability(flow.id, flow.name, flow.properties)
            if target in branches:  # two flows to the same step: one branch
                known = branches[target]["probability"]
                merged = TODO if TODO in (known, probability) else _fraction(known) + _fraction(probability)
                branches[target]["probability"] = merged
                continue
            branch: dict[str, Any] = {"to": target, "probability": probability}
            if flow.name or flow.condition:
                branch["label"] = flow.name or flow.condition
            branches[target] = branch
        kind = "exclusive" if node.kind == "exclusiveGateway" else "inclusive"
        chosen = list(branches.values())
        missing = [b for b in chosen if b["probability"] == TODO]
        if kind == "exclusive" and len(missing) == 1:  # the rest of 1
            missing[0]["probability"] = round(
                1 - sum(_fraction(b["probability"]) for b in chosen if b not in missing), 9
            )
        return {"kind": kind, "branches": chosen}

    def steps(self) -> list[dict[str, Any]]:
        self.boundary_events()
        reworks = self.loops()
        nodes = [n for n in self.graph.nodes.values() if self.is_step(n)]
        steps: dict[str, dict[str, Any]] = {}
        for node in nodes:
            step: dict[str, Any] = {"id": self.step_id(node)}
            if node.kind in STAFF_TASKS:
                step.update(self.staff_step(node))
            elif node.kind in WAITS:
                step.update(self.wait_step(node))
            elif node.kind not in DECIDING:
                step.update(self.system_step(node))
            exception = self.mapped(node).get("exception") or self.exceptions.get(node.id)
            if exception:
                step["exception"] = exception
            after = [self.step_id(self.graph.nodes[b]) for b in self.before(node.id)]
            if after:
                step["after"] = after
            if node.kind in DECIDING:
                decision = self.decision(node)
                if decision is not None:
                    step["decision"] = decision
            if node.id in reworks:
                rework = dict(reworks[node.id])
                rework["to"] = self.step_id(self.graph.nodes[rework["to"]])
                step["rework"] = rework
            steps[node.id] = step
        return _attach_decisions(list(steps.values()))


_STEP_KEYS = {"system", "staff", "service_time", "exception"}


def _fraction(value: Any) -> float:
    if isinstance(value, str) and value.strip().endswith("%"):
        return float(value.strip()[:-1]) / 100
    return float(value)


def _attach_decisions(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A gateway right after a task that leads only to it becomes that task's decision."""
    by_id = {s["id"]: s for s in steps}
    followers: dict[str, list[str]] = {s["id"]: [] for s in steps}
    for step in steps:
        for before in step.get("after", ()):
            followers[before].append(step["id"])
    for gateway in [s for s in steps if "decision" in s and not _works(s)]:
        after = gateway.get("after", [])
        if len(after) != 1:
            continue
        task = by_id[after[0]]
        if not _works(task) or "decision" in task or "rework" in gateway or followers[task["id"]] != [gateway["id"]]:
            continue
        task["decision"] = gateway["decision"]
        steps.remove(gateway)
        for step in steps:
            if "after" in step:
                step["after"] = [task["id"] if b == gateway["id"] else b for b in step["after"]]
            if step.get("rework", {}).get("to") == gateway["id"]:
                step["rework"]["to"] = task["id"]
    return steps


def _works(step: dict[str, Any]) -> bool:
    return any(key in step for key in ("system", "staff", "wait"))
