"""evalkit: choose a process-orchestration platform on evidence.

A study (``scenarios/*.yaml``) names a business process, today's peak traffic, the service levels
that matter and the candidate platforms. evalkit simulates each candidate's design, load-tests the
ones with a live endpoint, analyses where each breaks, scores them in a weighted matrix and
renders a self-contained HTML scorecard. The public API is what ``__all__`` lists; nothing heavy
is imported here, so ``import evalkit`` is cheap and never pulls in Locust's gevent patching.
"""

from evalkit.errors import EvalkitError, InputError, StudyError
from evalkit.study import Scorecard, Study, load_scorecard, load_study

__version__ = "0.1.0"

__all__ = [
    "EvalkitError",
    "InputError",
    "Scorecard",
    "Study",
    "StudyError",
    "__version__",
    "load_scorecard",
    "load_study",
]
