"""Starting a kit for a test: load ``platforms/<name>/kit.py``, skip or fail when it is not installed,
and the Celery kit at a given number of worker slots (shared by the Celery tests' fixtures)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


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


def kit_up(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str]) -> Iterator[ModuleType]:
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


def celery_kit_with(slots: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The Celery kit up on free ports with ``slots`` worker slots; every process stopped by PID afterwards."""
    if shutil.which("redis-server") is None:
        missing("redis-server")
    if importlib.util.find_spec("celery") is None or importlib.util.find_spec("flower") is None:
        missing("celery and flower (pip install -e '.[platforms]')")
    env = {"EVALKIT_CELERY_REDIS_PORT": "port", "EVALKIT_CELERY_FLOWER_PORT": "port"}
    yield from kit_up("celery", monkeypatch, tmp_path, {**env, "EVALKIT_CELERY_CONCURRENCY": str(slots)})
