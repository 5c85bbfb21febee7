"""A BPMN file as graphs of flow nodes and sequence flows, one per process (or pool).

SpiffWorkflow's ``BpmnParser`` reads the file: it validates it against the BPMN 2.0 schema and
indexes its processes, collaborations (pools), lanes and nodes. Its task specs are built to
*execute* a process (they need executable processes with condition expressions, and add
synthetic tasks of their own), so the graph evalkit needs (the drawn nodes, their names, lanes,
extension elements and flows, call activities not yet resolved) is read from the parser's lxml
nodes instead.

Call activities and embedded subprocesses are inlined: their content replaces them, their start
becomes the activity's entry and their ends its exit. Anything evalkit cannot model is refused,
one line per element (its id, its name and what to draw instead); nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from evalkit.errors import InputError

__all__ = ["Flow", "Node", "ProcessGraph", "read_bpmn"]

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": BPMN}
_INLINE_DEPTH = 10

# Node kinds after reading: what the converter needs to know about a flow node.
_TASKS = {"task", "serviceTask", "sendTask", "businessRuleTask", "scriptTask", "userTask", "manualTask", "receiveTask"}
_GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway"}
_IGNORED = {
    "sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference", "textAnnotation",
    "association", "extensionElements", "documentation", "ioSpecification", "property", "dataInputAssociation",
    "dataOutputAssociation", "group", "category",
    # A modeller writes each node's flows twice: as sequenceFlow elements and as its own
    # incoming/outgoing references (children of a subprocess, too, when it is inlined).
    "incoming", "outgoing",
}  # fmt: skip
_REFUSED = {
    "eventBasedGateway": "an event-based gateway (a race between events): model the likely event as a wait, "
    "or an exclusive gateway with probabilities",
    "complexGateway": "a complex gateway: use exclusive, inclusive or parallel gateways",
    "transaction": "a transaction subprocess (compensation): draw it as an embedded subprocess without compensation",
    "adHocSubProcess": "an ad-hoc subprocess: draw its tasks in sequence or in parallel",
}


@dataclass
class Node:
    """One flow node: its BPMN id, element kind, name, lane and event definition."""

    id: str
    kind: str
    name: str
    lane: str | None = None
    #: For events: timer, message, signal, error, conditional, terminate… (None: a none event).
    definition: str | None = None
    #: ``evalkit.*`` extension properties: key (without the prefix) -> value text.
    properties: dict[str, str] = field(default_factory=dict)
    #: A timer's ISO 8601 duration (``PT2H``), when it has one.
    duration: str | None = None
    #: For a boundary event: the activity it is attached to.
    attached_to: str | None = None

    @property
    def label(self) -> str:
        """How a refusal names the node: ``userTask 'Task_1' ("Review claim")``."""
        return f"{self.kind} {self.id!r}" + (f' ("{self.name}")' if self.name else "")


@dataclass
class Flow:
    """One sequence flow."""

    id: str
    source: str
    target: str
    name: str = ""
    condition: str = ""
    properties: dict[str, str] = field(default_factory=dict)


@dataclass
class ProcessGraph:
    """One process (or pool) as nodes and flows, call activities and subprocesses inlined."""

    id: str
    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    #: The participant (pool) this process is drawn in, if any: its id and name.
    pool: tuple[str, str] | None = None

    def outgoing(self, node_id: str) -> list[Flow]:
        return [f for f in self.flows if f.source == node_id]

    def incoming(self, node_id: str) -> list[Flow]:
        return [f for f in self.flows if f.target == node_id]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _properties(element: etree._Element) -> dict[str, str]:
    """``evalkit.KEY`` name/value properties anywhere in the element's own extension elements."""
    found: dict[str, str] = {}
    for extension in element.findall("bpmn:extensionElements", _NS):
        for item in extension.iter():
            name = item.get("name") or ""
            if name.startswith(("evalkit.", "evalkit:")) and item.get("value") is not None:
                found[name[len("evalkit.") :]] = item.get("value") or ""
    return found


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _definition(element: etree._Element) -> tuple[str | None, str | None]:
    """An event's definition kind (``timer``, ``message``…) and a timer's ISO duration."""
    for child in element:
        name = _local(child)
        if name.endswith("EventDefinition"):
            duration = child.findtext("bpmn:timeDuration", namespaces=_NS)
            return name.removesuffix("EventDefinition"), (duration.strip() if duration else None)
    return None, None


class _Reader:
    """Builds process graphs from the parsed document, inlining and refusing as it goes."""

    def __init__(self, root: etree._Element, lanes: dict[str, str]) -> None:
        self.root = root
        self.lanes = lanes
        self.processes = {p.get("id"): p for p in root.iter(f"{{{BPMN}}}process")}
        self.refusals: list[str] = []
        self.called: set[str] = set()
        #: An inlined activity's id -> the start event its content is entered by.
        self.entries: dict[str, str] = {}

    def graph(self, process_id: str) -> ProcessGraph:
        element = self.processes[process_id]
        graph = ProcessGraph(id=process_id, name=element.get("name") or process_id)
        self._fill(graph, element, prefix="", depth=0)
        return graph

    def _fill(self, graph: ProcessGraph, container: etree._Element, prefix: str, depth: int) -> None:
        for element in container:
            kind = _local(element)
            if not kind or kind in _IGNORED:
                continue
            if kind == "sequenceFlow":
                continue
            self._node(graph, element, kind, prefix, depth)
        for element in container.findall("bpmn:sequenceFlow", _NS):
            condition = element.findtext("bpmn:conditionExpression", namespaces=_NS) or ""
            target = prefix + element.get("targetRef", "")
            graph.flows.append(
                Flow(
                    id=prefix + element.get("id", ""),
                    source=prefix + element.get("sourceRef", ""),
                    target=self.entries.get(target, target),
                    name=element.get("name") or "",
                    condition=condition.strip(),
                    properties=_properties(element),
                )
            )

    def _node(self, graph: ProcessGraph, element: etree._Element, kind: str, prefix: str, depth: int) -> None:
        definition, duration = _definition(element)
        node = Node(
            id=prefix + element.get("id", ""),
            kind=kind,
            name=" ".join((element.get("name") or "").split()),  # a modeller keeps the label's line breaks
            lane=self.lanes.get(element.get("id", "")),
            definition=definition,
            properties=_properties(element),
            duration=duration,
            attached_to=(prefix + element.get("attachedToRef", "")) if kind == "boundaryEvent" else None,
        )
        if not self._supported(node, element):
            return
        if kind in ("subProcess", "callActivity"):
            self._inline(graph, node, element, prefix, depth)
            return
        graph.nodes[node.id] = node

    def _supported(self, node: Node, element: etree._Element) -> bool:
        reason = self._refusal(node, element)
        if reason:
            self.refusals.append(f"{node.label}: {reason}")
        return not reason

    def _refusal(self, node: Node, element: etree._Element) -> str:
        kind, definition = node.kind, node.definition
        if kind in _REFUSED:
            return _REFUSED[kind]
        if element.find("bpmn:multiInstanceLoopCharacteristics", _NS) is not None:
            return "a multi-instance activity: model one instance, and scale the traffic or the service time"
        if element.find("bpmn:standardLoopCharacteristics", _NS) is not None:
            return "a loop marker: draw the loop as an exclusive gateway back to the step (a rework loop)"
        if element.get("isForCompensation") == "true" or definition == "compensate":
            return "compensation: evalkit does not model undo; drop it, or draw the undo as ordinary steps"
        if kind == "subProcess" and element.get("triggeredByEvent") == "true":
            return "an event subprocess: model what it does as an exception or a decision on the step that triggers it"
        if kind == "endEvent" and definition in ("error", "escalation", "cancel", "terminate", "signal"):
            return (
                f"{_article(definition)} end event: use a plain end event (a workflow ends when all its branches have)"
            )
        if kind == "intermediateCatchEvent" and definition not in ("timer", "message", "signal", "conditional"):
            return f"{_article(definition or 'none')} catch event: only timer, message, signal or conditional waits are modelled"
        if kind == "intermediateThrowEvent" and definition not in (None, "message"):
            return f"{_article(definition)} throw event: use a send task (a system step) or drop it"
        if kind == "boundaryEvent" and definition != "error":
            return (
                f"{_article(definition or 'none')} boundary event: only error boundary events (exception handling) are "
                f"modelled; draw a decision after the task instead"
            )
        if kind in ("startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent"):
            return ""
        if kind in _TASKS or kind in _GATEWAYS or kind in ("subProcess", "callActivity"):
            return ""
        return "not a BPMN flow element evalkit can model: draw it as a task, a gateway or a wait"

    def _inline(self, graph: ProcessGraph, node: Node, element: etree._Element, prefix: str, depth: int) -> None:
        """Replace a subprocess or call activity by its content: entry at its start, exit at its ends."""
        if depth >= _INLINE_DEPTH:
            self.refusals.append(f"{node.label}: inlined more than {_INLINE_DEPTH} levels deep (a recursive call?)")
            return
        if node.kind == "callActivity":
            called = element.get("calledElement") or ""
            content = self.processes.get(called)
            if content is None:
                self.refusals.append(
                    f"{node.label}: calls {called!r}, which is not a process in this file; put it in the same file"
                )
                return
            self.called.add(called)
        else:
            content = element
        inner = f"{node.id}/"
        before = set(graph.nodes)
        self._fill(graph, content, inner, depth + 1)
        added = [graph.nodes[i] for i in graph.nodes if i not in before and i.startswith(inner)]
        starts = [n.id for n in added if n.kind == "startEvent" and n.id.count("/") == inner.count("/")]
        ends = [n.id for n in added if n.kind == "endEvent" and n.id.count("/") == inner.count("/")]
        if len(starts) != 1:
            self.refusals.append(f"{node.label}: its content needs exactly one start event to be inlined")
            return
        # The activity becomes a pass-through pair: entry (its start) and exit (a join of its ends).
        graph.nodes[starts[0]].kind = "inlineStart"
        exit_id = node.id
        graph.nodes[exit_id] = Node(id=exit_id, kind="inlineEnd", name=node.name, lane=node.lane)
        for end in ends:
            graph.nodes[end].kind = "inlineEnd"
            graph.flows.append(Flow(id=f"{end}->exit", source=end, target=exit_id))
        # Flows into the activity enter at its start; flows out of it already leave from exit_id.
        self.entries[node.id] = starts[0]


def read_bpmn(path: str | Path) -> tuple[list[ProcessGraph], list[str]]:
    """The file's workflow types (one graph per pool or top-level process) and its refusals."""
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    parser = BpmnParser(validator=BpmnValidator())
    try:
        parser.add_bpmn_file(str(path))
    except ValidationException as error:
        line = f":{error.line_number}" if getattr(error, "line_number", None) else ""
        raise InputError(f"{path}{line}: not valid BPMN 2.0: {str(error).splitlines()[0]}") from None
    except (etree.XMLSyntaxError, OSError) as error:
        raise InputError(f"{path}: cannot read as BPMN XML: {error}") from None
    if not parser.process_parsers:
        raise InputError(f"{path}: no BPMN process in the file")
    first = next(iter(parser.process_parsers.values()))
    root = first.document_root
    reader = _Reader(root, parser.get_document_lanes(root))
    graphs = [reader.graph(process_id) for process_id in reader.processes]
    pools = {p.get("processRef"): (p.get("id"), p.get("name") or "") for p in root.iter(f"{{{BPMN}}}participant")}
    types = [g for g in graphs if g.id not in reader.called or g.id in pools]
    for graph in types:
        graph.pool = pools.get(graph.id)
        if graph.pool and graph.pool[1]:
            graph.name = graph.pool[1]
    return types, reader.refusals
