"""The generator's lean HTTP transport answers as the workflow client expects and reports every request.

It runs in a child process (gevent and Locust must not enter the test process) against loopback
targets: the answers' status, body and headers, a base URL with a path prefix, a redirect
followed, an HTTP 500 reported to Locust's statistics as a failure, and a refused connection
as an answer with no status and its error.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from aiohttp import web

pytestmark = pytest.mark.timeout(60)

CHILD = """
import json, sys
import gevent.monkey; gevent.monkey.patch_all()
from locust.event import EventHook
from evalkit.load.generator.transport import LeanSession
events = []
hook = EventHook()
hook.add_listener(lambda **kw: events.append([kw["name"], kw["request_type"], type(kw["exception"]).__name__]))
session = LeanSession(sys.argv[1], hook, concurrency=4, network_timeout=5, connection_timeout=2)
out = {}
for label, method, path in [("ok", "POST", "/work"), ("boom", "GET", "/boom"), ("moved", "GET", "/moved")]:
    r = session.request(method, path, name=label, data="{}" if method == "POST" else None, headers={"X-A": "1"})
    out[label] = [r.status_code, r.text, r.headers.get("retry-after") if r.headers is not None else None,
                  type(r.error).__name__ if r.error is not None else None]
refused = LeanSession(sys.argv[2], hook, concurrency=1, network_timeout=2, connection_timeout=1)
r = refused.request("POST", "/work", name="refused")
out["refused"] = [r.status_code, r.text, None, type(r.error).__name__ if r.error is not None else None]
out["events"] = events
print(json.dumps(out))
"""


def _prefixed_app() -> web.Application:
    async def work(request: web.Request) -> web.Response:
        assert request.headers["X-A"] == "1"
        return web.json_response({"id": "w-1", "body": await request.text()}, headers={"Retry-After": "3"})

    async def boom(request: web.Request) -> web.Response:
        return web.json_response({"error": "boom"}, status=500)

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPSeeOther("/api/work-done")

    async def done(request: web.Request) -> web.Response:
        return web.json_response({"status": "done"})

    app = web.Application()
    app.router.add_post("/api/work", work)
    app.router.add_get("/api/boom", boom)
    app.router.add_get("/api/moved", moved)
    app.router.add_get("/api/work-done", done)
    return app


def test_lean_session_answers_and_reports_like_locusts_session(serve) -> None:
    server = serve(_prefixed_app())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = subprocess.run(
        [sys.executable, "-c", CHILD, f"{server.base_url}/api", closed], capture_output=True, text=True, timeout=50
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    status, text, retry_after, error = out["ok"]
    assert status == 200 and json.loads(text) == {"id": "w-1", "body": "{}"} and retry_after == "3" and error is None
    assert out["boom"][0] == 500 and out["boom"][3] is not None  # a bad status is the answer's error too
    assert out["moved"][0] == 200 and json.loads(out["moved"][1]) == {"status": "done"}  # redirect followed
    assert out["refused"][0] == 0 and out["refused"][3] is not None  # no answer: no status, and why
    events = {name: exception for name, _, exception in out["events"]}
    assert len([e for e in out["events"] if e[0] == "ok"]) == 1  # one statistics event per request
    assert events["ok"] == "NoneType" and events["boom"] != "NoneType" and events["refused"] != "NoneType"
