"""Closed-form queueing results (moved to ``evalkit.analytic.queues``; this name stays for its users).

The simulation's tests compare SimPy with these formulas as ``evalkit.theory``; the analytic
model builds its stations from the same functions. One implementation, two names.
"""

from evalkit.analytic.queues import *  # noqa: F403
from evalkit.analytic.queues import __all__  # noqa: F401
