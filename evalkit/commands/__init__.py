"""One module per CLI command; each exposes ``register(app)``.

Command modules import nothing heavy at module level (no SimPy sweeps, no Locust: importing
Locust monkey-patches the standard library through gevent), so ``evalkit --help`` stays instant
and only the load-testing path ever runs under gevent.
"""

from __future__ import annotations

import typer

from evalkit.commands import (
    compare,
    init,
    loadtest,
    loadworker,
    report,
    run,
    runs,
    schema,
    score,
    serve,
    simulate,
    validate,
)

__all__ = ["register_all"]

_MODULES = (validate, schema, init, simulate, loadtest, loadworker, serve, score, report, compare, run, runs)


def register_all(app: typer.Typer) -> None:
    """Register every command on ``app``, in the order ``--help`` lists them."""
    for module in _MODULES:
        module.register(app)
