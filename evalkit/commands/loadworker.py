"""``evalkit load-worker --master HOST[:PORT]``: lend this machine's load generation to a load test.

A load test started with ``evalkit loadtest --expect-workers M`` runs a Locust master that waits
for M workers before its first stage. Each worker joins it with this command, receives the plan
(target, stages, rates, seeds) and its index k from the master, offers its share of every stage
(rate / M, its own seeded arrival stream) and returns its per-stage record, whose HDR histograms
the master merges exactly. The worker exits when the master's load test ends.

The worker talks only to the master and to the target named in the plan; header secrets such as
``${API_TOKEN}`` are read from this machine's environment. The Locust worker runs in a child
process (``python -m evalkit.load.generator --join``) because importing Locust patches the
standard library through gevent; Ctrl-C stops it too.
"""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("load-worker")
    def load_worker(
        master: str = typer.Option(
            ..., "--master", metavar="HOST[:PORT]", help="The Locust master (port 5557 if omitted)."
        ),
        connect_timeout: float = typer.Option(
            300.0, "--connect-timeout", help="Seconds to keep trying to reach the master."
        ),
    ) -> None:
        """Join a distributed load test's Locust master and carry a share of its load."""
        from evalkit.errors import LoadTestError
        from evalkit.load.cluster import parse_address

        host, port = parse_address(master)  # a typo is refused here, in one line
        status = _run_worker(f"{host}:{port}", connect_timeout)
        if status != 0:
            raise LoadTestError(
                f"the load worker for {host}:{port} stopped (exit status {status}); see the lines above"
            )


def _run_worker(address: str, connect_timeout: float) -> int:
    """Run the worker child in its own process group; on Ctrl-C stop that group and re-raise."""
    import contextlib
    import os
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "evalkit.load.generator", "--join", address]
    process = subprocess.Popen([*command, "--connect-timeout", repr(connect_timeout)], start_new_session=True)
    try:
        return process.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        raise
