"""The imported study: the converted processes with a study around them, TODO where numbers are missing.

``import_bpmn`` reads the file (``evalkit.bpmn.graph``), converts each workflow type
(``evalkit.bpmn.convert``), refuses the file with one line per element it cannot convert, and
wraps the processes in a study: systems and staff pools named by the tasks (their numbers from
the mapping, else ``TODO``), one process or a mix with shares, and traffic, SLOs and candidates
from the mapping's ``study`` (else ``TODO``). ``BpmnImport.to_yaml`` writes it with a header that
lists every value still to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evalkit.bpmn.convert import Converter, slug
from evalkit.bpmn.graph import ProcessGraph, read_bpmn
from evalkit.bpmn.mapping import Mapping
from evalkit.errors import InputError
from evalkit.study.loader import format_field
from evalkit.study.placeholders import TODO, find_placeholders

__all__ = ["BpmnImport", "import_bpmn"]


@dataclass
class BpmnImport:
    """An imported study as plain data, and where it still says TODO."""

    study: dict[str, Any]
    source: Path

    @property
    def todos(self) -> list[str]:
        """Field paths still marked TODO, in file order."""
        return [format_field(path) for path in find_placeholders(self.study)]

    def to_yaml(self) -> str:
        """The study file: a header saying where it came from and what is left to fill in."""
        todos = self.todos
        header = [f"# Imported from {self.source.name} by `evalkit import-bpmn`."]
        if todos:
            header.append(f"# {len(todos)} value(s) are TODO; `evalkit validate` names each until it is filled in:")
            header.extend(f"#   {path}" for path in todos[:40])
            if len(todos) > 40:
                header.append(f"#   … and {len(todos) - 40} more")
        body = yaml.safe_dump(self.study, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
        return "\n".join(header) + "\n" + body


def _share(mapping: Mapping, graph: ProcessGraph) -> Any:
    for key in (graph.id, graph.name, *(graph.pool or ())):
        if key in mapping.processes:
            return mapping.processes[key]
    return TODO


def import_bpmn(path: str | Path, mapping: Mapping | None = None) -> BpmnImport:
    """Convert a BPMN file into a study skeleton; refuse what cannot be converted, one line each."""
    path = Path(path)
    mapping = mapping or Mapping()
    if "workload" in mapping.study:
        raise InputError("mapping: study.workload comes from the BPMN file; map systems, staff and tasks instead")
    graphs, refusals = read_bpmn(path)
    taken: set[str] = set()
    converters = [Converter(graph, mapping, taken) for graph in graphs]
    processes = []
    for converter in converters:
        steps = converter.steps()
        refusals.extend(converter.refusals)
        process: dict[str, Any] = {"name": slug(converter.graph.name)}
        if len(graphs) > 1:
            process["share"] = _share(mapping, converter.graph)
        if converter.events:
            process["events"] = converter.events
        process["steps"] = steps
        processes.append(process)
    refusals = list(dict.fromkeys(refusals))
    if refusals:
        lines = "\n".join(f"  {line}" for line in refusals)
        raise InputError(f"{path}: cannot import {len(refusals)} element(s), one line each:\n{lines}")
    systems = list(dict.fromkeys(s for c in converters for s in c.systems))
    pools = list(dict.fromkeys(p for c in converters for p in c.pools))
    study: dict[str, Any] = {
        "name": slug(path.stem),
        "title": f"{graphs[0].name} (imported from {path.name})",
        "scorecard": "orchestration-platform",
        "workload": {
            "systems": [_system(mapping, name) for name in systems] or [{"name": TODO}],
            "staff": [{"name": pool, "capacity": mapping.staff.get(pool, TODO)} for pool in pools],
            "process": processes if len(processes) > 1 else processes[0],
        },
        "traffic": {
            "peak_rate": TODO,
            "arrivals": "poisson",
            "multiples": [1, 1.5, 2, 3, 4],
            "horizon": TODO,
            "warmup": TODO,
            "replications": 5,
        },
        "slo": {"p95_cycle_time": TODO, "max_error_rate": "1%"},
        "candidates": TODO,
    }
    study.update(mapping.study)
    if not study["workload"]["staff"]:
        del study["workload"]["staff"]
    return BpmnImport(study=study, source=path)


def _system(mapping: Mapping, name: str) -> dict[str, Any]:
    given = mapping.systems.get(name, {})
    return {
        "name": name,
        "domain": given.get("domain", TODO),
        "capacity": given.get("capacity", TODO),
        "service_time": given.get("service_time", TODO),
        **{k: v for k, v in given.items() if k not in ("domain", "capacity", "service_time")},
    }
