"""Charts as deterministic inline SVG.

Every chart in a report is a ``matplotlib.figure.Figure`` built directly (never pyplot, whose
global figure registry leaks state between renders) and serialised by matplotlib's SVG backend
with settings that make the bytes depend only on the data:

* ``svg.hashsalt`` is fixed per chart, so the ids of clip paths and markers are reproducible, and
  differ between the charts of one page, so two inline SVGs never define the same id;
* ``metadata={"Date": None}`` drops the timestamp, and the ``<metadata>`` block and the creator
  comment are removed, since the page carries its own provenance;
* ``svg.fonttype = "none"`` keeps text as ``<text>``: searchable, selectable, small, and no font
  is embedded or fetched.

The fixed width and height are replaced by ``width="100%"`` so the chart scales with the page
while its ``viewBox`` keeps the aspect ratio.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from markupsafe import Markup

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CANDIDATE_COLOURS", "CRITERION_COLOURS", "colour", "figure", "plain", "to_svg"]

#: Colour-blind-aware categorical palette (Okabe-Ito first, then tab10 extras) for candidates.
CANDIDATE_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#7F7F7F",
    "#8C564B",
    "#BCBD22",
    "#17BECF",
    "#9467BD",
    "#1A1A1A",
)
#: A separate palette for criteria, so a stacked bar is not read as a candidate.
CRITERION_COLOURS = (
    "#4E79A7",
    "#F28E2B",
    "#59A14F",
    "#E15759",
    "#76B7B2",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#BAB0AC",
    "#2F4B7C",
    "#A05195",
)

_RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E3E6EA",
    "grid.linewidth": 0.6,
    "axes.edgecolor": "#9AA0A6",
    "axes.labelcolor": "#3C4043",
    "xtick.color": "#5F6368",
    "ytick.color": "#5F6368",
    "legend.frameon": False,
    "legend.fontsize": 7.5,
    "path.simplify": False,
}


def colour(palette: tuple[str, ...], index: int) -> str:
    """The palette's colour for the index-th item, cycling when there are more items than colours."""
    return palette[index % len(palette)]


def plain(text: str) -> str:
    """Text matplotlib must draw literally: a ``$`` would otherwise start mathtext."""
    return text.replace("\\", "\\\\").replace("$", r"\$")


@contextmanager
def figure(width: float, height: float) -> Iterator[Figure]:
    """A fresh figure (inches) with the report's style; rc settings apply only inside the block."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(cast(Any, _RC)):  # matplotlib types its keys as a Literal of every rc name
        yield Figure(figsize=(width, height), layout="constrained")


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')
_REFERENCE = re.compile(r'(\bid="|url\(#|xlink:href="#)([^"\)]+)')
_INDENT = re.compile(r"\n[ \t]+")


def to_svg(fig: Figure, *, key: str, label: str) -> Markup:
    """Serialise ``fig`` as inline SVG; ``key`` salts its ids, ``label`` is its accessible name."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(cast(Any, {**_RC, "svg.hashsalt": f"evalkit-{key}", "svg.id": f"chart-{key}"})):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    text = _METADATA.sub("", text, count=1)
    text = _SIZE.sub(r'<svg\1 width="100%"', text, count=1)
    text = _INDENT.sub("\n", _scoped_ids(text, key))
    # The label is escaped here because the SVG is passed on as markup the template will not escape.
    text = text.replace("<svg", f'<svg role="img" aria-label="{Markup.escape(label)}"', 1)
    return Markup(text.strip())


def _scoped_ids(text: str, key: str) -> str:
    """Prefix every id and reference with the chart's key: matplotlib names groups ``axes_1``,
    ``text_1``… in every figure, and ids must be unique across the page's inline SVGs."""
    ids = set(re.findall(r'\bid="([^"]+)"', text))

    def prefixed(match: re.Match[str]) -> str:
        name = match.group(2)
        return match.group(1) + (f"{key}-{name}" if name in ids and not name.startswith("chart-") else name)

    return _REFERENCE.sub(prefixed, text)
