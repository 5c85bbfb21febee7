"""Calibration: fit a candidate's design parameters to a load test, then predict beyond it.

An architect can load-test a trial install at safe rates (1x-2x of peak); what they need is
what happens at 3x-4x. ``calibrate`` reads one candidate's measured stages from a run, fits the
design parameters that matter (per-transition time, effective worker concurrency, broker
latency, a black-box overhead per workflow) to them with the analytic model
(``evalkit.analytic``), reports each estimate with a bootstrap interval and the fit's residuals,
predicts every multiple, and checks the prediction against measured multiples above the fitted
ones when the run has them (otherwise it says the prediction is unverified). It refuses to fit
more parameters than the stages can determine.

Modules: ``parameters`` (what may be fitted, and applying values to a study), ``measurements``
(a run's stages), ``fit`` (least squares, bootstrap, identifiability), ``record`` (the
calibration record and the calibrated study copy).
"""

from evalkit.calibrate.fit import Calibration, IdentifiabilityError, calibrate
from evalkit.calibrate.measurements import Stage, measured_stages
from evalkit.calibrate.parameters import FITTABLE, default_fit
from evalkit.calibrate.record import calibrated_study_text, calibration_record

__all__ = [
    "FITTABLE",
    "Calibration",
    "IdentifiabilityError",
    "Stage",
    "calibrate",
    "calibrated_study_text",
    "calibration_record",
    "default_fit",
    "measured_stages",
]
