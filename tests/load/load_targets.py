"""Tiny HTTP targets with known behaviour, served from a thread, and small studies pointing at them.

The targets are aiohttp apps on 127.0.0.1 with a known behaviour (one-at-a-time deterministic
service, instant answers, HTTP 500s, a hang, an asynchronous job API), so the load harness can be
checked against known truth. Each server is stopped by the fixture that started it.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web


class ThreadedServer:
    """An aiohttp app on a free loopback port, run by its own event loop in a daemon thread."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.base_url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self.app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        self._loop.run_until_complete(site.start())
        self.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        self._runner = runner
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        assert self._ready.wait(10), "test server did not start"
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def single_server_app(service: float) -> web.Application:
    """One request at a time, FIFO, each held exactly ``service`` seconds: an M/D/1 queue under Poisson arrivals.

    Service runs on a virtual clock (each service starts when the previous one ends, or when the
    request arrives if the server is idle), so the timer's wake-up jitter cannot lengthen the
    service time and shift rho; it only delays the answer, which is part of the measured overhead.
    """
    state = {"free_at": 0.0}

    async def work(request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        start = max(loop.time(), state["free_at"])
        state["free_at"] = done = start + service
        await asyncio.sleep(done - loop.time())
        return web.json_response({"status": "completed"})

    app = web.Application()
    app.router.add_post("/work", work)
    return app


def instant_app() -> web.Application:
    async def work(request: web.Request) -> web.Response:
        return web.json_response({"status": "completed"})

    app = web.Application()
    app.router.add_post("/work", work)
    return app


def failing_app() -> web.Application:
    async def work(request: web.Request) -> web.Response:
        return web.json_response({"error": "boom"}, status=500)

    app = web.Application()
    app.router.add_post("/work", work)
    return app


def hanging_app() -> web.Application:
    async def work(request: web.Request) -> web.Response:
        await asyncio.sleep(3600)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/work", work)
    return app


BODIES = web.AppKey("bodies", list)


def job_api_app(duration: float, token: str) -> web.Application:
    """An asynchronous job API unlike evalkit's own: ids under /data/jobId, states DONE/ERROR, a bearer token."""
    jobs: dict[str, float] = {}
    bodies: list[Any] = []

    def authorised(request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {token}"

    async def submit(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "unauthorised"}, status=401)
        body = await request.json()
        bodies.append(body)
        job = f"job-{len(jobs) + 1}"
        jobs[job] = asyncio.get_running_loop().time() + duration
        return web.json_response({"data": {"jobId": job}}, status=201)

    async def status(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "unauthorised"}, status=401)
        due = jobs.get(request.match_info["job"])
        if due is None:
            return web.json_response({"error": "no such job"}, status=404)
        state = "DONE" if asyncio.get_running_loop().time() >= due else "RUNNING"
        return web.json_response({"job": {"state": state}})

    app = web.Application()
    app[BODIES] = bodies
    app.router.add_post("/api/jobs", submit)
    app.router.add_get("/api/jobs/{job}", status)
    return app


def one_system_study(
    *,
    peak_rate: float,
    multiples: list[float],
    target: dict[str, Any] | None,
    load: dict[str, Any],
    service: str = "20ms",
    arrivals: str = "poisson",
    seed: int = 7,
) -> dict[str, Any]:
    """A study of one step on one system, as a dict ready to dump."""
    candidate: dict[str, Any] = {"name": "target", "design": "centralized"}
    if target is not None:
        candidate["target"] = target
    return {
        "name": "load-harness",
        "seed": seed,
        "workload": {
            "systems": [
                {"name": "server", "domain": "d", "capacity": 1, "service_time": {"dist": "constant", "value": service}}
            ],
            "process": {"name": "p", "steps": [{"id": "serve", "system": "server"}]},
        },
        "traffic": {
            "peak_rate": peak_rate,
            "arrivals": arrivals,
            "multiples": multiples,
            "horizon": "20s",
            "warmup": "1s",
            "replications": 2,
        },
        "slo": {"p95_cycle_time": "1s", "max_error_rate": "1%"},
        "load": load,
        "candidates": [candidate],
    }
