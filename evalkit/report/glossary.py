"""The scorecard's words: every term of art it uses, explained once for a reader who is not a queueing theorist.

``GLOSSARY`` is the report's glossary section, in reading order. ``explain`` marks the terms in
a sentence the analysis wrote (a degradation note, a sustainable-multiple note) with an
``<abbr title>`` that explains them where they appear; the templates do the same with the
``term`` macro for the words they print themselves.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

__all__ = ["GLOSSARY", "definition", "explain"]

#: term -> plain explanation, in the order the glossary section lists them.
GLOSSARY: dict[str, str] = {
    "SLO": "service level objective: the cycle time and error rate the study requires, e.g. p95 ≤ 3 s",
    "p95": "95th percentile: 95% of workflows finished within this time; p99 likewise for 99%",
    "multiple": "a multiple of today's peak arrival rate: 2x is twice today's busiest rate",
    "max sustainable": "the highest load multiple at which every SLO is met and the backlog does not grow",
    "simulated": "computed by evalkit's discrete-event model of the assumed design, with replications",
    "emulated": "load-tested on evalkit's reference platform, which runs the same assumed design for real; "
    "it checks the model's arithmetic, it measures no product",
    "measured": "load-tested on a live target, the product itself",
    "calibrated": "the model with parameters fitted to a measurement",
    "inconclusive": "too few workflows completed for the statistic to mean anything; no number is shown",
    "lower bound": "workflows that timed out censor the tail: the true value is at least the one shown (≥)",
    "saturated": "completions fall behind arrivals and the backlog grows without bound",
    "degradation": "how latency grows with load: linear, superlinear (as queueing alone explains) or exponential "
    "(faster than the busiest resource's queue can explain)",
    "knee": "the load multiple where the latency curve bends upwards most sharply",
    "misfit": "how far a fitted curve misses the points, in units of their tolerance: 1 means at the tolerance",
    "CI": "95% confidence interval across replications: where the true mean lies with 95% confidence",
    "CI-optimistic": "the sustainable multiple judged on the favourable end of each confidence interval",
    "USL": "Universal Scalability Law: throughput X(N) = λN / (1 + σ(N−1) + κN(N−1)) fitted to the load multiples",
    "σ": "USL contention: the share of work that queues for a shared resource (0 = none)",
    "κ": "USL coherency: the cost of keeping copies consistent, which makes throughput fall past a peak (0 = none)",
    "retrograde": "throughput falls as load rises (κ > 0): more load gets less work done",
    "knock-out": "a must-have checked before weighting; a knocked-out candidate cannot win whatever its score",
    "value function": "turns a raw figure into 0–100 on anchors fixed in the scorecard, never relative to the others",
    "P(best)": "the share of random weightings (SMAA) in which the candidate ranks first",
    "SMAA": "Stochastic Multicriteria Acceptability Analysis: rank the candidates under thousands of random "
    "weightings to see how much the answer depends on the chosen weights",
    "critical weight": "the weight of one criterion (the others rescaled) at which the winner changes",
    "too close to call": "the winner's lead is within its own uncertainty: P(best) below 50% or a change "
    "of one weight by under 5 percentage points makes another candidate win",
}

_ALIASES = {"p99": "p95", "linear": "degradation", "superlinear": "degradation", "exponential": "degradation"}
_PATTERN = re.compile(
    "|".join(
        re.escape(term) if not term[0].isalpha() else rf"(?<![\w-]){re.escape(term)}(?![\w-])"
        for term in sorted([*GLOSSARY, *_ALIASES], key=len, reverse=True)
    )
)


def definition(term: str) -> str:
    """The explanation of a glossary term (or of the term an alias stands for)."""
    return GLOSSARY.get(term) or GLOSSARY[_ALIASES[term]]


def explain(text: object) -> Markup:
    """Escape ``text`` and explain the first occurrence of each glossary term with ``<abbr title>``."""
    escaped = str(escape("" if text is None else str(text)))
    seen: set[str] = set()

    def mark(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in seen:
            return word
        seen.add(word)
        return f'<abbr title="{escape(definition(word))}">{word}</abbr>'

    return Markup(_PATTERN.sub(mark, escaped))
