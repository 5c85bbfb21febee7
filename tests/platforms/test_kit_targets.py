"""The target blocks the documentation calls verified, and the bundled study's, are the kits' own.

The kit tests drive each engine with ``kit.target(...)``; this keeps ``TARGETS.md`` ("Verified by
a test") and ``scenarios/real-engines.yaml`` from drifting away from what was verified.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from kit_fixtures import load_kit

from evalkit.study import Target, load_study

ROOT = Path(__file__).resolve().parents[2]


ORDER = {
    "celery": ("Celery", lambda kit: kit.target("evalkit.order", [1.0], poll_interval="100ms")),
    "temporal": ("Temporal", lambda kit: kit.target("EvalkitOrder", [1.0], poll_interval="10ms")),
    "restate": ("Restate", lambda kit: kit.target("order", {"scale": 1.0}, poll_interval="100ms")),
}


def _verified_blocks() -> list[Target]:
    text = (ROOT / "evalkit" / "load" / "TARGETS.md").read_text(encoding="utf-8")
    verified = text.split("## Verified by a test")[1].split("## Unverified examples")[0]
    return [
        Target.model_validate(yaml.safe_load(block)["target"])
        for block in re.findall(r"```yaml\n(.*?)```", verified, re.S)
    ]


@pytest.mark.parametrize("name", sorted(ORDER))
def test_documented_and_bundled_targets_are_the_kits(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("EVALKIT_CELERY_FLOWER_PORT", "EVALKIT_TEMPORAL_HTTP_PORT", "EVALKIT_RESTATE_INGRESS_PORT"):
        monkeypatch.delenv(variable, raising=False)
    candidate, build = ORDER[name]
    kit_target = Target.model_validate(build(load_kit(name)))
    assert kit_target in _verified_blocks()
    study = load_study(ROOT / "scenarios" / "real-engines.yaml")
    assert study.candidate(candidate).target == kit_target


def test_the_documented_n8n_block_is_the_kits(monkeypatch: pytest.MonkeyPatch) -> None:
    """n8n is not in the bundled study (its ~0.3 CPU-seconds per execution): only TARGETS.md names it."""
    monkeypatch.delenv("EVALKIT_N8N_PORT", raising=False)
    kit = load_kit("n8n")
    assert Target.model_validate(kit.target("order", {"scale": 1.0})) in _verified_blocks()
