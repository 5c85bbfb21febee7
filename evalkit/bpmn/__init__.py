"""BPMN 2.0 import: a process drawn in a modeller becomes the process of an evalkit study.

``import_bpmn`` reads a ``.bpmn`` file (Camunda Modeler, bpmn.io, a Signavio export) and an
optional mapping file, and returns the study as plain data ready to write as YAML. BPMN says how
work flows; it does not say which system a task calls, how long it takes or how often a branch
is taken. Those come from the mapping file or from ``evalkit.*`` properties in the BPMN's
extension elements; whatever neither gives is written as ``TODO``, which ``evalkit validate``
refuses, one value at a time, until the architect fills it in.

- ``graph``: the BPMN file as a graph of flow nodes and sequence flows per process, with call
  activities and embedded subprocesses inlined and unsupported elements refused;
- ``mapping``: the mapping file;
- ``walks``: which nodes are steps, what comes right before and after them, cycles;
- ``convert``: the graph as study steps: tasks, decisions, rework loops, waits, exceptions;
- ``skeleton``: the study around the converted processes, and its YAML with the TODO list.
"""

from evalkit.bpmn.mapping import Mapping, load_mapping
from evalkit.bpmn.skeleton import BpmnImport, import_bpmn

__all__ = ["BpmnImport", "Mapping", "import_bpmn", "load_mapping"]
