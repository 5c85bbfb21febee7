"""A real modeller's export, and the traits such exports have that hand-written files lack.

The real file (a Camunda Modeler 4.11 export from camunda/camunda-bpm-examples, Apache-2.0) is not
stored in this repository; ``data/README.md`` says where it comes from. When ``EVALKIT_MODELLER_BPMN``
names a copy, it must import with its mapping to a study that validates and simulates under two
designs. The traits that made earlier imports of real exports fail are checked on hand-written
snippets that always run: a subprocess's own ``incoming``/``outgoing`` references (a modeller writes
every flow twice), labels with line breaks, and refusals that stay one line each.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from evalkit.bpmn import import_bpmn, load_mapping
from evalkit.errors import InputError
from evalkit.study import load_study

DATA = Path(__file__).resolve().parent / "data"
#: sha256 of the export at camunda/camunda-bpm-examples@8b86bcf (last changed in b425f24).
REAL_SHA256 = "3c8ddf64653366e6e5ca2e784609de7d29149882881edc8368b4d97ee802c9be"
NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'exporter="Camunda Modeler" exporterVersion="5.0.0" id="d" targetNamespace="http://bpmn.io/schema/bpmn"'
)

# Written for this test in the shape a modeller exports: every node lists its flows again.
SUBPROCESS = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS}>
  <bpmn:process id="orders" name="Orders" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="billing" />
    <bpmn:subProcess id="billing" name="Bill the&#10;customer">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:startEvent id="inner_start"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:sequenceFlow id="g1" sourceRef="inner_start" targetRef="invoice" />
      <bpmn:serviceTask id="invoice" name="Create&#10;invoice">
        <bpmn:incoming>g1</bpmn:incoming>
        <bpmn:outgoing>g2</bpmn:outgoing>
      </bpmn:serviceTask>
      <bpmn:sequenceFlow id="g2" sourceRef="invoice" targetRef="inner_end" />
      <bpmn:endEvent id="inner_end"><bpmn:incoming>g2</bpmn:incoming></bpmn:endEvent>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="billing" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    {{extra}}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="orders">
    <bpmndi:BPMNShape id="billing_di" bpmnElement="billing" isExpanded="true">
      <dc:Bounds x="100" y="80" width="350" height="200" />
    </bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
ESCALATION = """<bpmn:boundaryEvent id="late" name="Customer&#10;complains" attachedToRef="billing">
      <bpmn:escalationEventDefinition />
    </bpmn:boundaryEvent>"""
MAPPING = """systems: {billing-system: {domain: finance, capacity: 2, service_time: {dist: exponential, mean: 100ms}}}
tasks: {Create invoice: {system: billing-system}}
study:
  traffic: {peak_rate: 1/s, multiples: [1], horizon: 2m, warmup: 10s, replications: 2}
  slo: {p95_cycle_time: 5s}
  candidates: [{name: Engine, design: centralized, parameters: {engine_workers: 2, dispatch_time: 5ms}}]
"""


def _import(tmp_path: Path, text: str, mapping: str | None = None) -> Path:
    bpmn = tmp_path / "export.bpmn"
    bpmn.write_text(text, encoding="utf-8")
    mapped = None
    if mapping is not None:
        mapped = tmp_path / "export.map.yaml"
        mapped.write_text(mapping, encoding="utf-8")
    study = tmp_path / "export.yaml"
    study.write_text(import_bpmn(bpmn, load_mapping(mapped)).to_yaml(), encoding="utf-8")
    return study


def test_a_subprocess_with_its_flow_references_is_inlined(tmp_path: Path) -> None:
    study = load_study(_import(tmp_path, SUBPROCESS.replace("{extra}", ""), MAPPING))
    steps = [step.id for process in study.workload.processes for step in process.steps]
    assert steps == ["create-invoice"]  # a label's line break is a space, not part of the id


def test_refusals_of_a_modeller_export_stay_one_line_each(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _import(tmp_path, SUBPROCESS.replace("{extra}", ESCALATION))
    lines = str(caught.value).splitlines()
    assert len(lines) == 2, lines
    assert lines[1] == (
        "  boundaryEvent 'late' (\"Customer complains\"): an escalation boundary event: only error boundary "
        "events (exception handling) are modelled; draw a decision after the task instead"
    )


def _real_export() -> Path:
    named = os.environ.get("EVALKIT_MODELLER_BPMN")
    if not named:
        pytest.skip(
            "EVALKIT_MODELLER_BPMN is not set: download camunda-testing-job-announcement-publication.bpmn "
            "from camunda/camunda-bpm-examples (see tests/bpmn/data/README.md) and point it there"
        )
    path = Path(named)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == REAL_SHA256, f"{path} is not the documented export"
    return path


def test_a_real_camunda_modeller_export_imports_validates_and_simulates(tmp_path: Path) -> None:
    from evalkit.sim import SimCell, run_cell

    export = _real_export()
    study_path = tmp_path / "publication.yaml"
    mapping = load_mapping(DATA / "job-announcement-publication.map.yaml")
    study_path.write_text(import_bpmn(export, mapping).to_yaml(), encoding="utf-8")
    study = load_study(study_path)
    decisions = [s for p in study.workload.processes for s in p.steps if s.decision is not None]
    assert len(decisions) == 2  # "Chose Twitter?" and "Chose Facebook?", inside a parallel fork
    for candidate in study.candidates:
        rows = run_cell(study, SimCell(candidate.name, "baseline", 1.0, 1))
        metrics = {row.metric: row.value for row in rows if row.workflow_type == "all"}
        assert metrics["completed"] > 200 and metrics["error_rate"] == 0, candidate.name
        # social carries 60% + 30% of 2/s at 0.8 s on 4 servers: 36% busy
        assert 0.25 < metrics["utilization:system:social"] < 0.5, candidate.name
