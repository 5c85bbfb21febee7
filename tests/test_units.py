"""Units are parsed in one place: durations, rates and fractions."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from evalkit.errors import StudyError, UnitError
from evalkit.study import load_study
from evalkit.study.distributions import EmpiricalDistribution, ExponentialDistribution
from evalkit.study.traffic import Fault, Slo
from evalkit.units import UNITS_REQUIRED, format_duration, parse_duration, parse_fraction, parse_rate


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("2s", 2.0),
        ("1.5h", 5400.0),
        ("3d", 259200.0),
        ("5m", 300.0),
        ("10 min", 600.0),
        (7, 7.0),
        ("1w", 604800.0),
    ],
)
def test_durations(text, seconds) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "per_second"),
    [
        ("40/s", 40.0),
        ("1200/h", 1 / 3),
        ("500/d", 500 / 86400),
        ("5 per min", 5 / 60),
        ("3/2h", 3 / 7200),
        (12, 12.0),
        ("12", 12.0),
    ],
)
def test_rates(text, per_second) -> None:
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize(("text", "fraction"), [("12%", 0.12), ("0.04", 0.04), (0.5, 0.5), (" 4 %", 0.04)])
def test_fractions(text, fraction) -> None:
    assert parse_fraction(text) == pytest.approx(fraction)


@pytest.mark.parametrize("bad", ["fast", "10 parsecs", "1e999s", True, None, [1]])
def test_bad_durations_say_what_is_allowed(bad) -> None:
    with pytest.raises(UnitError):
        parse_duration(bad)


def test_bad_rate_names_the_unit() -> None:
    with pytest.raises(UnitError, match="fortnight"):
        parse_rate("10/fortnight")


def test_format_duration_picks_a_readable_unit() -> None:
    assert format_duration(14 * 86400) == "14 d"
    assert format_duration(0.35) == "350 ms"
    assert format_duration(2.5) == "2.5 s"


@pytest.mark.parametrize(
    ("text", "per_second", "unit"),
    [("2000/hour", 2000 / 3600, "/h"), ("2000 per hour", 2000 / 3600, "/h"), ("30/minute", 0.5, "/min"),
     ("5/days", 5 / 86400, "/d"), ("40/s", 40.0, "/s")],
)  # fmt: skip
def test_natural_rate_spellings_and_the_unit_the_study_wrote(text: str, per_second: float, unit: str) -> None:
    from evalkit.units import rate_unit

    assert parse_rate(text) == pytest.approx(per_second)
    assert rate_unit(text) == unit


@pytest.mark.parametrize(("text", "seconds"), [("5 minutes", 300.0), ("1 hour", 3600.0), ("2 weeks", 1209600.0)])
def test_natural_duration_spellings(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


# --- A study file's durations and rates carry their unit (issue 15 §5) -------------------------

_DEFAULT_STUDY = Path(__file__).resolve().parents[1] / "scenarios" / "order-fulfillment.yaml"


def _refusal(tmp_path: Path, old: str, new: str) -> str:
    """The one line ``load_study`` refuses the default study with after replacing ``old``."""
    text = _DEFAULT_STUDY.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "study.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(StudyError) as caught:
        load_study(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)), message
    return message


def test_a_duration_without_a_unit_is_refused_with_the_allowed_forms(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "p95_cycle_time: 3s ", "p95_cycle_time: 4 ")
    assert message.endswith(
        "slo.p95_cycle_time: 4 (no unit): write a duration such as '4 s', '250 ms', '5 minutes', '2 h'"
    ), message
    assert f"{tmp_path / 'study.yaml'}:55: " in message  # the line of the value


@pytest.mark.parametrize(
    ("old", "new", "field", "shown"),
    [
        ("peak_rate: 10/s ", "peak_rate: 2000 ", "traffic.peak_rate", "2000 (no unit): write a rate such as '2000/s'"),
        ("stage_duration: 8s", "stage_duration: 8", "load.stage_duration", "8 (no unit): write a duration"),
        ("mean: 60ms}", "mean: 0.06}", "workload.systems[2].service_time.mean", "0.06 (no unit)"),
        ("today: 4s,", "today: 4,", "baseline.kpis[0]", "today: 4 (no unit)"),
        ("p95_cycle_time: 3s ", "p95_cycle_time: '3' ", "slo.p95_cycle_time", "'3' (no unit)"),
    ],
)
def test_every_kind_of_unitless_value_names_its_field(
    tmp_path: Path, old: str, new: str, field: str, shown: str
) -> None:
    message = _refusal(tmp_path, old, new)
    assert f": {field}: {shown}" in message, message


def test_natural_spellings_and_zero_are_accepted_in_a_file(tmp_path: Path) -> None:
    text = _DEFAULT_STUDY.read_text(encoding="utf-8")
    text = text.replace("peak_rate: 10/s ", "peak_rate: 36000/hour ", 1)
    text = text.replace("p95_cycle_time: 3s ", "p95_cycle_time: 0.05 minutes ", 1)
    text = text.replace("stage_duration: 8s", "stage_duration: 8 seconds", 1)
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    study = load_study(path)
    assert study.traffic.peak_rate == pytest.approx(10.0)
    assert study.slo.p95_cycle_time == pytest.approx(3.0)
    assert study.load.stage_duration == pytest.approx(8.0)
    # zero is zero in every unit: a fault at the start of the horizon needs no unit
    assert (
        Fault.model_validate(
            {"name": "f", "component": "engine", "at": 0, "duration": "1 s"}, context=UNITS_REQUIRED
        ).at
        == 0.0
    )


def test_an_empirical_column_says_its_unit_once() -> None:
    column = {"dist": "empirical", "samples": [1, 2.5, "30 s"]}
    with pytest.raises(ValidationError) as caught:
        EmpiricalDistribution.model_validate(column, context=UNITS_REQUIRED)
    assert "2 sample(s) have no unit (first 1)" in str(caught.value) and "'unit: s'" in str(caught.value)
    fitted = EmpiricalDistribution.model_validate({**column, "unit": "min"}, context=UNITS_REQUIRED)
    assert fitted.samples == (60.0, 150.0, 30.0) and fitted.unit is None
    # the model holds seconds: validating it again does not convert twice
    assert EmpiricalDistribution.model_validate(fitted.model_dump()).samples == fitted.samples


def test_models_built_in_python_keep_seconds() -> None:
    # Inside evalkit numbers are seconds and per-second; only a file a person wrote needs units.
    assert ExponentialDistribution(dist="exponential", mean=0.2).mean == 0.2
    assert Slo.model_validate({"p95_cycle_time": 4}).p95_cycle_time == 4.0
    with pytest.raises(ValidationError, match=r"4 \(no unit\)"):
        Slo.model_validate({"p95_cycle_time": 4}, context=UNITS_REQUIRED)
