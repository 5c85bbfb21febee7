"""Every example ``target`` in the documentation is a valid target configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from evalkit.study.candidates import Target
from evalkit.units import UNITS_REQUIRED

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "evalkit" / "load" / "TARGETS.md", ROOT / "README.md"]
BLOCKS = [
    (document.name, index, block)
    for document in DOCUMENTS
    for index, block in enumerate(re.findall(r"```yaml\n(target:.*?)```", document.read_text(encoding="utf-8"), re.S))
]


def test_there_are_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize(("document", "index", "block"), BLOCKS, ids=lambda value: str(value)[:20])
def test_example_target_validates(document: str, index: int, block: str) -> None:
    # As a study file is read: every duration in an example carries its unit.
    Target.model_validate(yaml.safe_load(block)["target"], context=UNITS_REQUIRED)
