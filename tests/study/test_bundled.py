"""The bundled studies, the JSON Schema and the starter study agree with the loader."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from evalkit.commands.init import starter_study
from evalkit.commands.schema import study_json_schema
from evalkit.study import DESIGNS, load_study, load_study_with_scorecard

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_the_three_seed_studies_are_bundled() -> None:
    assert {p.stem for p in SCENARIOS} >= {"order-fulfillment", "loan-origination", "claims-processing"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_study_loads_and_has_one_candidate_per_design(path: Path) -> None:
    study, scorecard = load_study_with_scorecard(path)
    if path.stem == "real-engines":  # the engines that install here: two central engines and a broker
        assert sorted(c.design for c in study.candidates) == ["centralized", "centralized", "event-driven"]
    else:
        assert sorted(c.design for c in study.candidates) == sorted(DESIGNS)
    assert scorecard.name == "orchestration-platform"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_study_matches_json_schema(path: Path) -> None:
    schema = study_json_schema("study")
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_schema_refuses_what_the_loader_refuses() -> None:
    schema = study_json_schema("study")
    data = yaml.safe_load((ROOT / "scenarios" / "order-fulfillment.yaml").read_text(encoding="utf-8"))
    data["candidates"][0]["design"] = "monolith"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_scorecard_schema_accepts_bundled_scorecard() -> None:
    card = yaml.safe_load((ROOT / "scorecards" / "orchestration-platform.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(card, study_json_schema("scorecard"))


def test_schema_is_json_serialisable() -> None:
    assert json.loads(json.dumps(study_json_schema("study")))["title"] == "evalkit study"


def test_starter_study_validates(tmp_path: Path) -> None:
    path = tmp_path / "starter.yaml"
    path.write_text(starter_study("starter", str(path)), encoding="utf-8")
    study = load_study(path)
    assert study.name == "starter"
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), study_json_schema("study"))


def test_default_scorecard_has_the_seed_weights() -> None:
    _, scorecard = load_study_with_scorecard(ROOT / "scenarios" / "order-fulfillment.yaml")
    assert {c.id: c.weight for c in scorecard.criteria} == {
        "integration": 30,
        "scalability": 25,
        "usability": 20,
        "vendor": 15,
        "tco": 10,
    }
    assert sum(scorecard.normalised_weights.values()) == pytest.approx(1.0)
