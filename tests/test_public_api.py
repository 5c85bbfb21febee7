"""The public API is curated: ``__all__`` is locked, and importing evalkit is cheap."""

from __future__ import annotations

import subprocess
import sys

import evalkit


def test_public_api_is_locked() -> None:
    assert sorted(evalkit.__all__) == sorted(
        [
            "EvalkitError",
            "InputError",
            "Scorecard",
            "Study",
            "StudyError",
            "__version__",
            "load_scorecard",
            "load_study",
        ]
    )
    for name in evalkit.__all__:
        assert hasattr(evalkit, name)


def test_import_does_not_pull_in_heavy_or_patching_libraries() -> None:
    code = "import sys, evalkit, evalkit.cli; print(sorted(m for m in ('locust', 'gevent', 'simpy', 'matplotlib') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_error_tree() -> None:
    from evalkit import errors

    assert issubclass(errors.StudyError, errors.InputError)
    assert errors.InputError.exit_code == 2 and errors.SimulationError.exit_code == 1
