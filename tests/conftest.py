"""Shared fixtures: where the bundled studies are, and a helper to write study files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
DEFAULT_STUDY = ROOT / "scenarios" / "order-fulfillment.yaml"


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def default_study_path() -> Path:
    return DEFAULT_STUDY


@pytest.fixture
def write_study(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write text to ``tmp_path/name`` and return the path (studies name bundled scorecards)."""

    def write(text: str, name: str = "study.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
