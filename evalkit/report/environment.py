"""The jinja2 environment every report is rendered with, and the filters that format numbers.

Autoescape is on for HTML (a candidate named ``<script>`` is text, never markup) and undefined
variables raise (``StrictUndefined``): a template that reads a field the data lacks fails in the
tests instead of printing an empty cell. Markdown is rendered by a second environment with the
same loader, its own escaping filter and no HTML autoescape.

A missing number is never shown as zero: every filter turns ``None`` into a visible word
("missing", "not measured"), styled so a reader notices it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from evalkit.report.glossary import GLOSSARY, explain
from evalkit.units import format_duration

if TYPE_CHECKING:  # only for the checker: annotations are not evaluated at run time
    from typing_extensions import TypeIs

__all__ = ["html_environment", "markdown_environment", "FORMATTERS"]


def _is_missing(value: float | None) -> TypeIs[None]:
    # TypeIs: past this check a formatter knows it holds a finite float (NaN counts as missing).
    return value is None or (isinstance(value, float) and not math.isfinite(value))


#: Words for a value that is optional and simply unset (no p99 SLO, one assessor's spread): not an error.
UNSET_WORDS = frozenset({"not set", "n/a", "—", "no knee", "single assessor"})


def missing(text: str = "missing") -> Markup:
    """The marked-up word shown where a number is absent: red for a problem, grey for an optional unset value."""
    kind = "unset" if text in UNSET_WORDS else "missing"
    return Markup('<span class="{}">{}</span>').format(kind, text)


def number(value: float | None, digits: int = 1, absent: str = "missing") -> str | Markup:
    """``72.9``; ``missing`` for None."""
    return missing(absent) if _is_missing(value) else f"{value:,.{digits}f}"


def percent(value: float | None, digits: int = 0, absent: str = "not computed") -> str | Markup:
    """A fraction as a percentage (``0.912`` -> ``91%``); tiny non-zero shares say ``< 1%``."""
    if _is_missing(value):
        return missing(absent)
    if 0 < value * 100 < 0.5 * 10**-digits:
        return f"< {10**-digits:g}%"
    return f"{value * 100:.{digits}f}%"


def signed(value: float | None, digits: int = 1, absent: str = "n/a") -> str | Markup:
    """A change with its sign (``+3.2``, ``−1.0``, ``±0.0``), for deltas."""
    if _is_missing(value):
        return missing(absent)
    if round(value, digits) == 0:
        return f"±{0:.{digits}f}"
    return f"{value:+.{digits}f}".replace("-", "−")


def duration(value: float | None, absent: str = "not measured") -> str | Markup:
    """Seconds as people read them (``2.4 s``, ``350 ms``, ``9.2 d``)."""
    return missing(absent) if _is_missing(value) else format_duration(value)


def multiple(value: float | None, absent: str = "missing") -> str | Markup:
    """A load multiple (``3.4x``)."""
    return missing(absent) if _is_missing(value) else f"{value:g}x"


def money(value: float | None, currency: str = "EUR", absent: str = "missing") -> str | Markup:
    """An amount with its currency and thousands separators (``EUR 1,310,000``)."""
    return missing(absent) if _is_missing(value) else f"{currency} {value:,.0f}"


def points(value: float | None, digits: int = 1) -> str:
    """A weight share in percentage points, for weight changes (``+19.2 pp``)."""
    return "" if _is_missing(value) else f"{value * 100:+.{digits}f} pp".replace("-", "−")


_TAG = re.compile(r"<[A-Za-z/!?]")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")


def markdown_text(value: object) -> str:
    """Text safe inside a Markdown table cell: no HTML, no table or emphasis syntax."""
    text = ("" if value is None else str(value)).replace("\\", "\\\\")
    for char in "`*_[]#|":
        text = text.replace(char, "\\" + char)
    # Plain text ("< 1x", "R&D" stay as written); only something that would open an HTML tag or
    # an entity in a Markdown renderer ("<script", "&lt;") is written as entities, so a name
    # cannot inject markup. A leading ">" would start a quotation: escape it.
    if _TAG.search(text) or _ENTITY.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = " ".join(text.split())
    return "\\" + text if text.startswith(">") else text


def markdown_code(value: object) -> str:
    """Text as a Markdown code span; escapes do not work inside one, so backticks become quotes."""
    return "`" + " ".join(str(value).replace("`", "'").split()) + "`"


FORMATTERS: dict[str, Callable[..., str | Markup]] = {
    "number": number,
    "percent": percent,
    "signed": signed,
    "duration": duration,
    "multiple": multiple,
    "money": money,
    "points": points,
}


def _loader() -> jinja2.BaseLoader:
    return jinja2.PackageLoader("evalkit.report", "templates")


#: Bidirectional controls: a name holding U+202E can show "exe.txt" for "txt.exe"; shown as escapes instead.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def neutralise_bidi(value: Any) -> Any:
    """Every value a template prints: bidirectional controls become visible ``[U+202E]``."""
    if isinstance(value, str) and _BIDI.search(value):
        replaced = _BIDI.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", value)
        return Markup(replaced) if isinstance(value, Markup) else replaced
    return value


def _environment(*, autoescape: bool) -> jinja2.Environment:
    """Strict about undefined names, whitespace-tidy, templates from the package, bidi controls neutralised."""
    return jinja2.Environment(
        loader=_loader(),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=neutralise_bidi,
    )


@cache
def html_environment() -> jinja2.Environment:
    """The environment for HTML templates (built once, on first use)."""
    environment = _environment(autoescape=True)
    environment.filters.update(FORMATTERS)
    environment.globals["missing"] = missing
    environment.filters["explain"] = explain
    environment.globals["glossary"] = GLOSSARY
    return environment


@cache
def markdown_environment() -> jinja2.Environment:
    """The environment for the Markdown summary: plain text filters, Markdown escaping by hand."""
    environment = _environment(autoescape=False)
    plain = {name: _unmarked(function) for name, function in FORMATTERS.items()}
    environment.filters.update(plain)
    environment.filters["md"] = markdown_text
    environment.filters["md_code"] = markdown_code
    environment.globals["glossary"] = GLOSSARY  # the same words as the page's glossary, as plain text
    return environment


def _unmarked(function: Callable[..., str | Markup]) -> Callable[..., str]:
    """The same formatter, with the missing word as plain italics instead of HTML."""

    def format_plain(value: Any, *args: Any, **kwargs: Any) -> str:
        result = function(value, *args, **kwargs)
        return f"_{result.striptags()}_" if isinstance(result, Markup) else result

    return format_plain
