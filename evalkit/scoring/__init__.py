"""Scoring: the weighted matrix with knock-outs, sensitivity, SMAA and AHP.

Value functions with fixed anchors turn each figure into 0..100 (``values``); integration and
total cost of ownership come from the study and the simulation (``cost``); totals, knock-outs and
ranks from the matrix (``matrix``); how robust the winner is from one-at-a-time critical weights
(``sensitivity``) and SMAA-2 (``smaa``); AHP derives weights from pairwise comparisons (``ahp``);
the rationale and KPI rows put it in words (``narrative``). ``score`` runs it all in memory;
``score_run`` reads a run directory and writes its ``scorecard.json``.
"""

from evalkit.scoring.ahp import ahp_weights
from evalkit.scoring.core import score
from evalkit.scoring.run import score_run

__all__ = ["ahp_weights", "score", "score_run"]
