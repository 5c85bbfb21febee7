"""Units are parsed in one place: durations, rates and fractions."""

from __future__ import annotations

import pytest

from evalkit.errors import UnitError
from evalkit.units import format_duration, parse_duration, parse_fraction, parse_rate


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
