"""Walking a BPMN process graph: which nodes are steps, what comes right before and after, cycles.

A **step** is a node that becomes a study step: a task, a wait (a receive task or an
intermediate catch event), a message throw event, or an exclusive or inclusive gateway with
several ways out (a decision). Every other node (start and end events, parallel gateways,
joining gateways, inlined subprocess boundaries) is passed through: ``before`` and ``ahead``
walk through them to the nearest steps, which is how forks and joins become ``after`` lists.
``back_flows`` finds the flows that close a cycle, by a depth-first walk from the start events.
"""

from __future__ import annotations

from evalkit.bpmn.graph import Flow, Node, ProcessGraph

__all__ = ["DECIDING", "END", "STAFF_TASKS", "SYSTEM_TASKS", "WAITS", "GraphWalks"]

SYSTEM_TASKS = {"task", "serviceTask", "sendTask", "businessRuleTask", "scriptTask"}
STAFF_TASKS = {"userTask", "manualTask"}
WAITS = {"receiveTask", "intermediateCatchEvent"}
DECIDING = {"exclusiveGateway", "inclusiveGateway"}
#: What ``ahead`` reports for a path that reaches an end event.
END = "end"


class GraphWalks:
    """Walks over ``self.graph`` (a converter's process graph)."""

    graph: ProcessGraph

    def is_step(self, node: Node) -> bool:
        if node.kind in SYSTEM_TASKS | STAFF_TASKS | WAITS:
            return True
        if node.kind == "intermediateThrowEvent":
            return node.definition == "message"
        return node.kind in DECIDING and len(self.graph.outgoing(node.id)) > 1

    def before(self, node_id: str) -> list[str]:
        """The steps right before a node, walking back through pass-through nodes."""
        found: list[str] = []
        seen: set[str] = set()
        frontier = [f.source for f in self.graph.incoming(node_id)]
        while frontier:
            current = frontier.pop(0)
            if current in seen or current not in self.graph.nodes:
                continue
            seen.add(current)
            if self.is_step(self.graph.nodes[current]):
                found.append(current)
            else:
                frontier.extend(f.source for f in self.graph.incoming(current))
        return found

    def ahead(self, node_id: str, *, include_self: bool = False) -> list[str]:
        """The steps right after a node (``end`` for a path that reaches an end event)."""
        found: list[str] = []
        seen: set[str] = set()
        frontier = [node_id] if include_self else [f.target for f in self.graph.outgoing(node_id)]
        while frontier:
            current = frontier.pop(0)
            if current in seen or current not in self.graph.nodes:
                continue
            seen.add(current)
            node = self.graph.nodes[current]
            if self.is_step(node):
                found.append(current)
            elif node.kind == "endEvent":
                found.append(END) if END not in found else None
            else:
                frontier.extend(f.target for f in self.graph.outgoing(current))
        return found

    # Structure --------------------------------------------------------------------------------
    def remove(self, node_id: str) -> None:
        self.graph.nodes.pop(node_id, None)
        self.graph.flows = [f for f in self.graph.flows if node_id not in (f.source, f.target)]

    def back_flows(self) -> list[Flow]:
        """Flows that close a cycle, found by a depth-first walk from the start events."""
        graph = self.graph
        state: dict[str, int] = {}  # 1: on the walk's stack, 2: finished
        back: list[Flow] = []
        starts = [n.id for n in graph.nodes.values() if n.kind == "startEvent"]
        for start in starts:
            if start in state:
                continue
            stack: list[tuple[str, list[Flow]]] = [(start, graph.outgoing(start))]
            state[start] = 1
            while stack:
                node_id, pending = stack[-1]
                if not pending:
                    state[node_id] = 2
                    stack.pop()
                    continue
                flow = pending.pop(0)
                if state.get(flow.target) == 1:
                    back.append(flow)
                elif flow.target not in state and flow.target in graph.nodes:
                    state[flow.target] = 1
                    stack.append((flow.target, graph.outgoing(flow.target)))
        return back
