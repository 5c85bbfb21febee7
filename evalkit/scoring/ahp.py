"""Weights from pairwise comparisons: the Analytic Hierarchy Process (Saaty).

Each entry a_ij of the comparison matrix says how much more important criterion i is than j on
Saaty's 1-9 scale, with a_ji = 1/a_ij and ones on the diagonal. The weights are the principal
right eigenvector, normalised to sum to 1. A perfectly consistent matrix has principal
eigenvalue n; the **consistency index** CI = (lambda_max - n)/(n - 1) measures the departure, and
the **consistency ratio** CR = CI / RI compares it with Saaty's **random index** RI, the mean CI of
random reciprocal matrices of the same size. A CR above 0.1 means the judgements contradict each
other too much to trust: evalkit refuses them rather than derive weights from noise.
"""

from __future__ import annotations

import numpy as np

from evalkit.errors import StudyError
from evalkit.scorecard_data import AhpSummary

__all__ = ["RANDOM_INDEX", "MAX_CONSISTENCY_RATIO", "ahp_weights"]

#: Saaty's random index by matrix size (Saaty 1980; 11-15 from Saaty's later tables).
RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
    9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}  # fmt: skip
MAX_CONSISTENCY_RATIO = 0.1


def _check_reciprocal(matrix: np.ndarray, criteria: tuple[str, ...], file: str | None) -> None:
    n = matrix.shape[0]
    for i in range(n):
        if not np.isclose(matrix[i, i], 1.0):
            raise StudyError(
                f"ahp.matrix[{i}][{i}] must be 1 (a criterion compared with itself)", file=file, field="ahp.matrix"
            )
        for j in range(i + 1, n):
            if not np.isclose(matrix[i, j] * matrix[j, i], 1.0, rtol=1e-3):
                raise StudyError(
                    f"ahp.matrix is not reciprocal: {criteria[i]} vs {criteria[j]} is {matrix[i, j]:g} "
                    f"but {criteria[j]} vs {criteria[i]} is {matrix[j, i]:g} (should be {1 / matrix[i, j]:.4g})",
                    file=file,
                    field="ahp.matrix",
                )


def ahp_weights(
    criteria: tuple[str, ...], matrix: tuple[tuple[float, ...], ...], *, file: str | None = None
) -> AhpSummary:
    """Principal-eigenvector weights; refuses an inconsistent (CR > 0.1) or non-reciprocal matrix."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if n not in RANDOM_INDEX:
        raise StudyError(f"AHP supports at most {max(RANDOM_INDEX)} criteria, got {n}", file=file, field="ahp")
    _check_reciprocal(a, criteria, file)
    eigenvalues, eigenvectors = np.linalg.eig(a)
    principal = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[principal].real)
    vector = np.abs(eigenvectors[:, principal].real)
    weights = vector / vector.sum()
    index = (lambda_max - n) / (n - 1) if n > 1 else 0.0
    random_index = RANDOM_INDEX[n]
    ratio = index / random_index if random_index > 0 else 0.0
    if ratio > MAX_CONSISTENCY_RATIO:
        raise StudyError(
            f"the AHP comparisons are inconsistent: consistency ratio {ratio:.3f} > {MAX_CONSISTENCY_RATIO} "
            f"(lambda_max {lambda_max:.3f}, n {n}, Saaty's random index {random_index}); revise the pairwise judgements",
            file=file,
            field="ahp.matrix",
        )
    return AhpSummary(
        weights={c: float(w) for c, w in zip(criteria, weights, strict=True)},
        lambda_max=lambda_max,
        consistency_index=float(max(index, 0.0)),
        random_index=random_index,
        consistency_ratio=float(max(ratio, 0.0)),
    )
