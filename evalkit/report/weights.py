"""The weights panel: the reader's own what-if on the criterion weights, inside the self-contained page.

The page carries one small inline script (``templates/weights.js``) and the data it needs: each
criterion's stated weight and each candidate's 0..100 value per criterion and knock-out status,
as a JSON data block. Moving a weight recomputes the totals, the ranking, a stacked bar per
candidate and the knock-out-aware winner, as the scoring does (weights normalised to sum to 1, a
knocked-out or incomplete candidate never wins); *Reset* restores the study's weights.

The Content-Security-Policy allows exactly that script by its SHA-256 hash, so any other script
(an injected one included) is blocked, and ``connect-src`` stays ``'none'``: no request is
possible. Without scripts the panel stays hidden and the page reads fully as before.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import TYPE_CHECKING

from evalkit.report.svg import CRITERION_COLOURS, colour

if TYPE_CHECKING:
    from evalkit.scorecard_data import ScoredStudy

__all__ = ["weights_data", "weights_script", "script_hash"]


@cache
def weights_script() -> str:
    """The panel's script, exactly as inlined (the hash is over these bytes)."""
    from evalkit.report.environment import html_environment

    environment = html_environment()
    assert environment.loader is not None
    return environment.loader.get_source(environment, "weights.js")[0]


def script_hash(script: str) -> str:
    """The CSP source expression that allows this inline script: ``'sha256-…'``."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def weights_data(data: ScoredStudy) -> str:
    """The panel's data as JSON safe inside a ``<script type=application/json>`` block."""
    criteria = [
        {
            "id": c.id,
            "label": c.label,
            "weight": round(c.normalised_weight * 100, 1),
            "colour": colour(CRITERION_COLOURS, i),
        }
        for i, c in enumerate(data.criteria)
    ]
    candidates = [
        {
            "name": c.name,
            "knocked_out": c.knocked_out,
            "values": {s.criterion_id: None if s.missing else s.value for s in c.scores},
        }
        for c in data.candidates
    ]
    text = json.dumps({"criteria": criteria, "candidates": candidates, "winner": data.winner}, ensure_ascii=True)
    # "</script" or "<!--" inside a name must not end the block: escape the characters HTML reads.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
