"""The target side of a load test's provenance: what was driven, which engine version, how it was polled.

A measured figure is only as good as the statement of what it was measured on. For every load
test the runner writes ``target.json`` beside the stage log: the candidate, the base URL, whether
the figures are *measured* (a live target) or *emulated* (evalkit's reference platform), the
kit that runs the engine on this machine, the engine's version **where its API tells it** (each
kit's ``version()`` names its source: Temporal's ``/api/v1/system-info``, Restate's admin
``/version``; the installed package where the API is silent), and the poll interval. A polled
completion is seen up to one poll interval after it happened, so every measured cycle time may
be late by up to that much: the report states it per polling target.

Kits live in the source tree beside the package (``platforms/<kit>/kit.py``, an editable
install); without them, or when the engine does not answer, the version is simply not recorded.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from evalkit.files import write_atomically

__all__ = ["KIT_ROOT", "TargetRecord", "engine_version", "load_kit_module", "read_targets", "write_target"]

#: Where the engine kits live (the source tree beside the package).
KIT_ROOT = Path(__file__).resolve().parents[2] / "platforms"
_FILE = "target.json"


@dataclass(frozen=True)
class TargetRecord:
    """One load-tested target as the run's provenance states it."""

    candidate: str
    base_url: str
    kind: Literal["measured", "emulated"]
    kit: str | None = None
    engine_version: str | None = None
    version_source: str | None = None  # where the version was read: an API endpoint, or the package
    poll_interval: float | None = None  # study seconds; None: completion is synchronous
    time_scale: float | None = None  # emulated: real seconds per study second the platform ran at
    speedup: float | None = None  # emulated: how many times faster than the study's load.time_scale


def load_kit_module(name: str, root: Path = KIT_ROOT) -> ModuleType | None:
    """``platforms/<name>/kit.py`` as a module, or ``None`` if there is no such kit here."""
    path = root / name / "kit.py"
    if not name.replace("-", "").isalnum() or not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"evalkit_kit_{name}", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def engine_version(kit: str | None, root: Path = KIT_ROOT) -> tuple[str | None, str | None]:
    """(version, where it was read) of the engine a kit runs; (None, None) when nothing tells it."""
    if kit is None:
        return None, None
    try:
        module = load_kit_module(kit, root)
        if module is None or not hasattr(module, "version"):
            return None, None
        found = module.version()
    except Exception:  # noqa: BLE001 - a silent engine or a broken kit must not stop the load test
        return None, None
    return (str(found), str(getattr(module, "VERSION_SOURCE", "the kit"))) if found else (None, None)


def write_target(out_dir: Path, record: TargetRecord) -> None:
    """``target.json`` in a load test's output directory."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(out_dir / _FILE, json.dumps(asdict(record), indent=2) + "\n")  # never half a file on a kill


def read_targets(locust_dir: Path) -> list[dict[str, Any]]:
    """Every ``target.json`` under a run's load-test directory, by candidate (unreadable ones skipped)."""
    records = []
    for path in sorted(locust_dir.glob(f"*/{_FILE}")) if locust_dir.is_dir() else []:
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and "candidate" in data:
                records.append(data)
    return sorted(records, key=lambda record: str(record["candidate"]))
