"""Analysis: from the results table to judgements about each candidate's performance.

Degradation against the queueing baseline, the knee, the maximum sustainable multiple judged with
confidence intervals, the Universal Scalability Law fit, the bottleneck per multiple, fault impact
and model-against-measurement error. Each lives in its own module; ``analyse`` runs them all
and ``Analysis.metric`` reads any figure a scorecard may score or knock out on.
"""

from evalkit.analysis.core import Analysis, CandidateAnalysis, SourceAnalysis, analyse
from evalkit.analysis.degradation import Degradation, classify, knee
from evalkit.analysis.lookup import MetricValue
from evalkit.analysis.sustainable import Sustainable, max_sustainable
from evalkit.analysis.usl import fit_usl

__all__ = [
    "Analysis",
    "CandidateAnalysis",
    "Degradation",
    "MetricValue",
    "SourceAnalysis",
    "Sustainable",
    "analyse",
    "classify",
    "fit_usl",
    "knee",
    "max_sustainable",
]
