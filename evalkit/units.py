"""Quantities with units, parsed in one place.

Study files speak in units people use (``250ms``, ``3d``, ``40/s``, ``1200/h``, ``12%``);
everything inside evalkit is in seconds, per-second and plain fractions. This module is the only
place that converts, so a unit is understood the same way everywhere. The pydantic types at the
bottom (``Duration``, ``Rate``, ``Fraction``) let the study models accept either form and carry a
JSON Schema that editors can use.

In a file a person wrote, a duration or rate must carry its unit: ``p95_cycle_time: 4`` could mean
4 seconds or 4 hours, and reading it silently as seconds once made a days-scale SLO a seconds-scale
one. The loader validates files under ``UNITS_REQUIRED``; a bare number there is refused in one line
that shows the allowed forms. Zero is the one exception (0 is the same in every unit). Models built
in Python (``ExponentialDistribution(mean=0.2)``, round-trips of evalkit's own JSON) carry seconds
and per-second as plain numbers, as everything inside evalkit does.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema

from evalkit.errors import UnitError, shorten

__all__ = [
    "SECONDS_PER",
    "parse_duration",
    "parse_rate",
    "parse_fraction",
    "format_duration",
    "format_rate",
    "rate_unit",
    "format_rate_in",
    "Duration",
    "Rate",
    "Fraction",
    "UNITS_REQUIRED",
    "units_required",
    "unitless_duration_message",
    "unitless_rate_message",
]

#: The pydantic validation context of a file a person wrote: durations and rates need a unit.
UNITS_REQUIRED: dict[str, str] = {"units": "required"}

#: Seconds in each duration unit a study may use.
SECONDS_PER: dict[str, float] = {
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 604800.0,
    "wk": 604800.0,
    # Natural spellings people write: "5 minutes", "2000/hour", "3 days".
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "week": 604800.0,
    "weeks": 604800.0,
}
_UNITS_TEXT = "us, ms, s/second(s), m/min/minute(s), h/hour(s), d/day(s), w/week(s)"
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_DURATION = re.compile(rf"^\s*({_NUMBER})\s*([a-zA-Z]*)\s*$")
_RATE = re.compile(rf"^\s*({_NUMBER})\s*(?:/|per\s+)\s*({_NUMBER})?\s*([a-zA-Z]+)\s*$")


def _finite(value: float, text: object, what: str) -> float:
    if not math.isfinite(value):
        raise UnitError(f"{what} {shorten(text)} is not a finite number")
    return value


def parse_duration(value: object) -> float:
    """Return seconds for ``250ms``, ``2s``, ``1.5h``, ``3d`` or a bare number of seconds."""
    if isinstance(value, bool):
        raise UnitError(f"duration {shorten(value)} is a boolean; write e.g. 250ms, 2s, 3d")
    if isinstance(value, int | float):
        return _finite(float(value), value, "duration")
    if not isinstance(value, str):
        raise UnitError(f"duration must be a number of seconds or text like 250ms, got {shorten(value)}")
    match = _DURATION.match(value)
    if not match:
        raise UnitError(f"cannot read duration {shorten(value)}; write a number and a unit ({_UNITS_TEXT})")
    number, unit = float(match.group(1)), match.group(2).lower() or "s"
    if unit not in SECONDS_PER:
        raise UnitError(f"unknown duration unit {match.group(2)!r} in {shorten(value)}; allowed: {_UNITS_TEXT}")
    return _finite(number * SECONDS_PER[unit], value, "duration")


def parse_rate(value: object) -> float:
    """Return events per second for ``40/s``, ``1200/h``, ``5 per min``, ``3/2h`` or a bare number."""
    if isinstance(value, bool):
        raise UnitError(f"rate {shorten(value)} is a boolean; write e.g. 40/s or 1200/h")
    if isinstance(value, int | float):
        return _finite(float(value), value, "rate")
    if not isinstance(value, str):
        raise UnitError(f"rate must be a number per second or text like 40/s, got {shorten(value)}")
    match = _RATE.match(value)
    if not match:
        if _DURATION.match(value) and _DURATION.match(value).group(2) == "":  # type: ignore[union-attr]
            return _finite(float(value), value, "rate")
        raise UnitError(f"cannot read rate {shorten(value)}; write count/unit, e.g. 40/s, 1200/h, 500/d")
    count = float(match.group(1))
    per = float(match.group(2)) if match.group(2) else 1.0
    unit = match.group(3).lower()
    if unit not in SECONDS_PER:
        raise UnitError(f"unknown time unit {match.group(3)!r} in rate {shorten(value)}; allowed: {_UNITS_TEXT}")
    if per <= 0:
        raise UnitError(f"rate {shorten(value)} divides by a non-positive time")
    return _finite(count / (per * SECONDS_PER[unit]), value, "rate")


def parse_fraction(value: object) -> float:
    """Return a plain fraction for ``12%``, ``0.12`` or ``12 %``; no range check here."""
    if isinstance(value, bool):
        raise UnitError(f"fraction {shorten(value)} is a boolean; write e.g. 0.05 or 5%")
    if isinstance(value, int | float):
        return _finite(float(value), value, "fraction")
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.endswith("%"):
                return _finite(float(text[:-1]) / 100.0, value, "fraction")
            return _finite(float(text), value, "fraction")
        except ValueError:
            pass
    raise UnitError(f"cannot read fraction {shorten(value)}; write e.g. 0.05 or 5%")


def format_duration(seconds: float) -> str:
    """Render seconds in the largest unit that keeps the number readable (``9.2 d``, ``350 ms``)."""
    if not math.isfinite(seconds):
        return "∞" if seconds > 0 else "n/a"
    magnitude = abs(seconds)
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if magnitude >= size * (2 if unit in ("d", "h") else 1) or (unit == "s" and magnitude >= 1):
            return f"{seconds / size:.3g} {unit}"
    if magnitude >= 1e-3 or magnitude == 0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def format_rate(per_second: float) -> str:
    """Render a rate per second, or per hour/day when it is small."""
    if per_second >= 0.1 or per_second == 0:
        return f"{per_second:.4g}/s"
    if per_second * 3600 >= 0.1:
        return f"{per_second * 3600:.4g}/h"
    return f"{per_second * 86400:.4g}/d"


#: The time unit a rate is shown per, by the unit word a study used.
_RATE_UNITS = {"s": "s", "sec": "s", "second": "s", "m": "min", "min": "min", "minute": "min", "h": "h", "hr": "h"}
_RATE_UNITS |= {"hour": "h", "d": "d", "day": "d"}


def rate_unit(value: object) -> str:
    """The unit a study wrote a rate in (``/h`` for ``2000/h``, ``/min`` for ``5 per min``); ``/s`` by default."""
    match = _RATE.match(value) if isinstance(value, str) else None
    if match is None or match.group(2):
        return "/s"
    word = match.group(3).lower()
    return "/" + _RATE_UNITS.get(word, _RATE_UNITS.get(word.rstrip("s"), "s"))


def format_rate_in(per_second: float, unit: str) -> str:
    """A rate per second shown in a study's unit with thousands separators: ``2,000/h``."""
    size = {"/s": 1.0, "/min": 60.0, "/h": 3600.0, "/d": 86400.0}.get(unit, 1.0)
    value = per_second * size
    text = f"{value:,.0f}" if value >= 100 else f"{value:,.3g}"
    return f"{text}{unit if unit in ('/s', '/min', '/h', '/d') else '/s'}"


def units_required(context: object) -> bool:
    """Whether a pydantic validation context is that of a file a person wrote (``UNITS_REQUIRED``)."""
    return isinstance(context, dict) and context.get("units") == "required"


def _bare_number(value: object) -> float | None:
    """The number when ``value`` is a number without a unit (``4``, ``4.0``, ``"4"``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match and not match.group(2):
            return float(match.group(1))
    return None


def unitless_duration_message(value: object) -> str:
    """The one-line refusal of a duration written without a unit, with the allowed forms."""
    return f"{shorten(value)} (no unit): write a duration such as '{_example(value)} s', '250 ms', '5 minutes', '2 h'"


def unitless_rate_message(value: object) -> str:
    """The one-line refusal of a rate written without a unit, with the allowed forms."""
    return f"{shorten(value)} (no unit): write a rate such as '{_example(value)}/s', '2000/hour', '5 per minute'"


def _example(value: object) -> str:
    number = _bare_number(value)
    return f"{number:g}" if number is not None else "4"


def _as_pydantic(parser: Any, unitless: Any) -> BeforeValidator:
    def validate(value: object, info: ValidationInfo) -> float:
        if unitless is not None and units_required(info.context):
            number = _bare_number(value)
            # Zero is zero in every unit, so "at: 0" is not ambiguous.
            if number is not None and number != 0:
                raise ValueError(unitless(value))
        try:
            return parser(value)
        except UnitError as error:
            # pydantic turns ValueError into a field error carrying the location.
            raise ValueError(str(error)) from None

    return BeforeValidator(validate)


Duration = Annotated[
    float,
    _as_pydantic(parse_duration, unitless_duration_message),
    WithJsonSchema(
        {
            "anyOf": [
                {"const": 0, "description": "zero needs no unit"},
                {"type": "string", "pattern": rf"^\s*{_NUMBER}\s*[a-zA-Z]+\s*$"},
            ],
            "description": "a duration with its unit: 250ms, 4 s, 5 minutes, 2 h, 14d",
        }
    ),
]
Rate = Annotated[
    float,
    _as_pydantic(parse_rate, unitless_rate_message),
    WithJsonSchema(
        {
            "anyOf": [{"const": 0, "description": "zero needs no unit"}, {"type": "string"}],
            "description": "a rate with its unit: count/unit such as 40/s, 2000/hour, 5 per minute, 500/d",
        }
    ),
]
Fraction = Annotated[
    float,
    _as_pydantic(parse_fraction, None),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^\s*[0-9.]+\s*%\s*$"}],
            "description": "a fraction: 0.05 or 5%",
        }
    ),
]
