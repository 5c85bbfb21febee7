"""The reference platform's HTTP API (aiohttp), and serving it until told to stop.

    POST /workflows[?wait=true][&type=NAME]
                                  start a workflow (of the mix's type NAME, else its own draw
                                  picks one; an unknown NAME is 400): 202 {"id", "status": "running"}; with
                                  ``wait`` the answer comes when it ends: 200 {"id", "status",
                                  "cycle_time", ...}; refused at start (an outage with
                                  ``on_outage: reject``, or ``fail`` for an event-driven
                                  design): 503 {"status": "lost"}
    GET  /workflows/{id}          200 {"id", "status", "started", "ended", "cycle_time"} or 404
    GET  /health                  200 {"status": "ok", "candidate", "design", "time_scale"}
    GET  /metrics                 cumulative utilisation, queue and wait accounting per resource,
                                  current queue lengths and counters (``telemetry``)
    POST /faults                  {"component": "engine", "duration": "5s"}: an outage; 202
    POST /reset                   cancel every workflow in flight (between load stages)

``status`` is ``running``, ``completed``, ``failed``, ``lost`` or ``cancelled``; times are study
seconds since the platform started (real seconds divided by the time scale).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Callable
from typing import Any

from aiohttp import web

from evalkit.errors import UnitError
from evalkit.load.reference.platform import Platform
from evalkit.study import Study
from evalkit.units import parse_duration

__all__ = ["make_app", "serve"]

PLATFORM = web.AppKey("platform", Platform)
_TRUE = ("1", "true", "yes", "on")


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


async def start_workflow(request: web.Request) -> web.Response:
    platform = request.app[PLATFORM]
    named = request.query.get("type")
    try:
        workflow_type = platform.type_index(named) if named else None
    except KeyError as error:
        return _json({"error": str(error.args[0])}, status=400)
    record = platform.start(workflow_type)
    if record.status == "lost":
        return _json(record.as_json(platform.origin, platform.time_scale), status=503)
    if request.query.get("wait", "").lower() in _TRUE:
        await platform.wait(record)
        return _json(record.as_json(platform.origin, platform.time_scale))
    response = _json({"id": record.id, "status": record.status}, status=202)
    response.headers["Location"] = f"/workflows/{record.id}"
    return response


async def workflow_status(request: web.Request) -> web.Response:
    platform = request.app[PLATFORM]
    record = platform.records.get(request.match_info["id"])
    if record is None:
        return _json({"error": "no such workflow (unknown, or forgotten after many newer ones)"}, status=404)
    return _json(record.as_json(platform.origin, platform.time_scale))


async def health(request: web.Request) -> web.Response:
    platform = request.app[PLATFORM]
    body = {"status": "ok", "candidate": platform.candidate.name, "design": platform.candidate.design}
    return _json({**body, "time_scale": platform.time_scale})


async def metrics(request: web.Request) -> web.Response:
    return _json(request.app[PLATFORM].metrics())


async def inject_fault(request: web.Request) -> web.Response:
    platform = request.app[PLATFORM]
    try:
        body = await request.json()
        component = str(body["component"])
        duration = parse_duration(body["duration"])
    except (json.JSONDecodeError, KeyError, TypeError, UnitError) as error:
        return _json({"error": f"send {{'component': NAME, 'duration': '5s'}}: {error}"}, status=400)
    if duration <= 0:
        return _json({"error": "duration must be positive"}, status=400)
    if component not in platform.components:
        allowed = ", ".join(platform.components)
        return _json({"error": f"unknown component {component!r}; this platform has: {allowed}"}, status=400)
    platform.inject(component, duration)
    return _json({"component": component, "duration": duration}, status=202)


async def reset(request: web.Request) -> web.Response:
    return _json({"cancelled": await request.app[PLATFORM].reset()})


def make_app(study: Study, candidate: str, *, time_scale: float, seed: int | None = None) -> web.Application:
    """The aiohttp application; its platform is built when the app starts (inside the loop)."""
    app = web.Application()

    async def build(app: web.Application) -> None:
        app[PLATFORM] = Platform(study, candidate, time_scale=time_scale, seed=seed)

    async def stop(app: web.Application) -> None:
        await app[PLATFORM].reset()

    app.on_startup.append(build)
    app.on_shutdown.append(stop)
    app.router.add_post("/workflows", start_workflow)
    app.router.add_get("/workflows/{id}", workflow_status)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/faults", inject_fault)
    app.router.add_post("/reset", reset)
    return app


async def serve(
    app: web.Application,
    *,
    host: str,
    port: int,
    on_ready: Callable[[str], None],
    watch_parent: int | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or until ``watch_parent`` dies), then stop cleanly."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    bound = runner.addresses[0]
    on_ready(f"http://{host}:{bound[1]}")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stopping.set)
    watcher = asyncio.create_task(_watch(watch_parent, stopping)) if watch_parent else None
    try:
        await stopping.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await runner.cleanup()


async def _watch(parent: int, stopping: asyncio.Event) -> None:
    """Stop when the process that started us is gone, so a killed caller leaves no server behind."""
    while os.getppid() == parent:
        await asyncio.sleep(0.5)
    stopping.set()
