"""The generic HTTP target adapter: how a workflow is started and how its end is known.

A study's ``target`` describes any orchestration engine's REST API: the start request (method,
path or URL, a JSON body template with ``{{seq}}`` and ``{{uuid}}``), a JSON pointer to the new
workflow's id (or an id the client chooses, for engines whose start path names it), and
completion either *synchronous* (the start response means the workflow is over) or *polled* (a
status URL whose field, or whose HTTP status code, reaches a done or a failed value). A candidate
without a target is load-tested on its reference platform, whose API this module also describes.

**What a study may reach.** A study is a file people share, so it must not be able to send the
runner's environment anywhere. Headers, bodies and paths may name environment variables as
``${NAME}`` (secrets never live in the study file), but only names the *runner* allows are
expanded: ``EVALKIT_SECRET_*``, and those listed in ``EVALKIT_ALLOW_ENV`` (comma-separated; the
``--allow-env NAME`` option adds to it). Link-local and cloud-metadata addresses
(169.254.0.0/16, fd00:ec2::254) are refused as target hosts unless ``EVALKIT_ALLOW_HOSTS``
(``--allow-host``) names them. Both lists live in the environment so that generator processes
started by the runner inherit them.

Everything here is plain Python: the generator process (under gevent) and the calling process
(to validate before anything starts) share it.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
import socket
import statistics
import time
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from evalkit.errors import InputError, TargetError
from evalkit.study import Study, Target
from evalkit.study.candidates import Completion, StartRequest

__all__ = [
    "ALLOW_ENV",
    "ALLOW_HOSTS",
    "SECRET_PREFIX",
    "ResolvedTarget",
    "allow",
    "carries_workflow_type",
    "check_host_allowed",
    "check_reachable",
    "check_same_host",
    "check_target",
    "describe_targets",
    "classify_status",
    "expand_headers",
    "expand_target",
    "reference_target",
    "render_body",
    "render_text",
    "resolve_pointer",
    "resolve_target",
    "target_hosts",
]

#: Environment variable listing further variable names a study may expand (comma-separated).
ALLOW_ENV = "EVALKIT_ALLOW_ENV"
#: Environment variable listing hosts allowed although link-local or metadata (comma-separated).
ALLOW_HOSTS = "EVALKIT_ALLOW_HOSTS"
#: Variables with this prefix may always be expanded: the runner named them for evalkit.
SECRET_PREFIX = "EVALKIT_SECRET_"
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Networks a study may not aim at: link-local (cloud metadata services live there) and AWS's IPv6 one.
_GUARDED = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
)
Status = Literal["completed", "failed", "lost"]


@dataclass(frozen=True)
class ResolvedTarget:
    """The target a load test drives, and how to read what it measures."""

    target: Target
    time_scale: float  # real seconds per study second (1 for a real platform)
    reference: bool  # a reference platform: /metrics is scraped and /reset called between stages


def reference_target(base_url: str, *, synchronous: bool = True, mixed: bool = False) -> Target:
    """The reference platform's API as a target: synchronous by default, or polled.

    ``mixed``: a mix of workflow types; the start call names each workflow's type (``type=``).
    """
    typed = "type={{type}}" if mixed else ""
    if synchronous:
        return Target(
            base_url=base_url,
            start=StartRequest(path="/workflows?wait=true" + (f"&{typed}" if typed else "")),
            completion=Completion(mode="sync"),
            timeout=30.0,
        )
    start = StartRequest(path="/workflows" + (f"?{typed}" if typed else ""))
    return Target(base_url=base_url, start=start, completion=Completion(mode="poll", poll_interval=0.02))


def resolve_target(
    study: Study, candidate: str, base_url: str | None, *, time_scale: float | None = None, synchronous: bool = True
) -> ResolvedTarget:
    """What to drive: the candidate's own target, or its reference platform at ``base_url``."""
    chosen = study.candidate(candidate)
    if chosen.target is not None:
        target = chosen.target if base_url is None else chosen.target.model_copy(update={"base_url": base_url})
        return ResolvedTarget(target, 1.0 if time_scale is None else time_scale, reference=False)
    if base_url is None:
        raise InputError(
            f"candidate {candidate!r} has no target in the study; load-test its reference platform "
            "(evalkit loadtest starts one) or give the candidate a target"
        )
    scale = study.load.time_scale if time_scale is None else time_scale
    target = reference_target(base_url, synchronous=synchronous, mixed=study.workload.mixed)
    return ResolvedTarget(target, scale, reference=True)


def _listed(environ: Mapping[str, str], variable: str) -> set[str]:
    return {part.strip() for part in environ.get(variable, "").split(",") if part.strip()}


def allow(
    env_names: Iterable[str] = (), hosts: Iterable[str] = (), environ: MutableMapping[str, str] | None = None
) -> None:
    """Add ``--allow-env`` / ``--allow-host`` values to the environment (generator processes inherit it)."""
    target = os.environ if environ is None else environ
    for variable, values in ((ALLOW_ENV, env_names), (ALLOW_HOSTS, hosts)):
        names = _listed(target, variable) | {value.strip() for value in values if value.strip()}
        if names:
            target[variable] = ",".join(sorted(names))


def _expand(text: str, where: str, environ: Mapping[str, str]) -> str:
    """``${NAME}`` in ``text`` replaced from the environment, for allowed names only."""
    if "${" not in text:
        return text
    allowed = _listed(environ, ALLOW_ENV)

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if not name.startswith(SECRET_PREFIX) and name not in allowed:
            raise InputError(
                f"target {where} uses ${{{name}}}, which a study may not read: rename the variable "
                f"{SECRET_PREFIX}..., or allow it with --allow-env {name} (or {ALLOW_ENV}={name})"
            )
        if name not in environ:
            raise TargetError(f"the target's {where} uses ${{{name}}}, but {name} is not set in the environment")
        return environ[name]

    return _ENV.sub(value, text)


def _expand_json(template: Any, where: str, environ: Mapping[str, str]) -> Any:
    if isinstance(template, dict):
        return {key: _expand_json(value, where, environ) for key, value in template.items()}
    if isinstance(template, list):
        return [_expand_json(value, where, environ) for value in template]
    if isinstance(template, str):
        return _expand(template, where, environ)
    return template


def expand_headers(headers: Mapping[str, str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Header values with ``${NAME}`` replaced from the environment (allowed names only; a missing one is an error)."""
    environ = os.environ if environ is None else environ
    return {name: _expand(text, f"header {name!r}", environ) for name, text in headers.items()}


def expand_target(target: Target, environ: Mapping[str, str] | None = None) -> Target:
    """The target with every ``${NAME}`` expanded: headers, start path and body, id template, status path."""
    environ = os.environ if environ is None else environ
    start = target.start.model_copy(
        update={
            "path": _expand(target.start.path, "start.path", environ),
            "body": _expand_json(target.start.body, "start.body", environ),
            "id": None if target.start.id is None else _expand(target.start.id, "start.id", environ),
        }
    )
    completion = target.completion.model_copy(
        update={"status_path": _expand(target.completion.status_path, "completion.status_path", environ)}
    )
    headers = expand_headers(target.headers, environ)
    return target.model_copy(update={"start": start, "completion": completion, "headers": headers})


def render_text(template: str, seq: int, uuid: str, workflow_id: str = "", workflow_type: str = "") -> str:
    """A path or id template with ``{{seq}}``, ``{{uuid}}``, ``{{id}}`` and ``{{type}}`` (a mix's workflow type) filled in."""
    if "{{" not in template:
        return template
    text = template.replace("{{seq}}", str(seq)).replace("{{uuid}}", uuid).replace("{{id}}", workflow_id)
    return text.replace("{{type}}", workflow_type)


def render_body(template: Any, seq: int, uuid: str, workflow_id: str = "", workflow_type: str = "") -> Any:
    """The start request's JSON body: ``{{seq}}``, ``{{uuid}}``, ``{{id}}``, ``{{type}}`` filled in (a lone ``{{seq}}`` stays a number)."""
    if isinstance(template, dict):
        return {key: render_body(value, seq, uuid, workflow_id, workflow_type) for key, value in template.items()}
    if isinstance(template, list):
        return [render_body(value, seq, uuid, workflow_id, workflow_type) for value in template]
    if isinstance(template, str):
        if template == "{{seq}}":
            return seq
        return render_text(template, seq, uuid, workflow_id, workflow_type)
    return template


def carries_workflow_type(target: Target) -> bool:
    """Whether the target's start call names each workflow's type (``{{type}}`` in its path or body)."""
    start = target.start
    return "{{type}}" in start.path + json.dumps(start.body or {})


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 JSON pointer (``/data/id``); ``LookupError`` if it is not there."""
    if pointer == "":
        return document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(document, list):
            if not token.isdigit() or int(token) >= len(document):
                raise LookupError(pointer)
            document = document[int(token)]
        elif isinstance(document, dict) and token in document:
            document = document[token]
        else:
            raise LookupError(pointer)
    return document


def classify_status(value: Any, completion: Completion) -> Status | None:
    """``completed``, ``failed`` or ``lost`` for a final status value; ``None`` while still running.

    With a ``pending`` list, a value in none of the lists is a protocol error (``ValueError``).
    """
    text = str(value)
    if text in completion.done:
        return "completed"
    if text in completion.failed:
        return "lost" if text == "lost" else "failed"
    if completion.pending and text not in completion.pending:
        raise ValueError(f"status value {text[:80]!r} is in none of done, failed and pending")
    return None


def check_same_host(target: Target) -> None:
    """Refuse start or status URLs on another host: a load test talks only to its target's host."""
    home = urlsplit(target.base_url)
    for field, path in (("start.path", target.start.path), ("completion.status_path", target.completion.status_path)):
        parts = urlsplit(path)
        if parts.scheme and (parts.hostname, parts.port) != (home.hostname, home.port):
            raise TargetError(
                f"target {field} {path!r} is on another host than base_url {target.base_url!r}; "
                "a load test talks only to its target's host"
            )


def _guarded(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    ip = mapped or ip
    return any(ip.version == network.version and ip in network for network in _GUARDED)


def _addresses(host: str, port: int) -> list[str]:
    try:
        return [str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]
    except socket.gaierror:
        return []


def check_host_allowed(base_url: str, environ: Mapping[str, str] | None = None) -> None:
    """Refuse a link-local or cloud-metadata host (by address or by what its name resolves to) unless allowed."""
    environ = os.environ if environ is None else environ
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host in _listed(environ, ALLOW_HOSTS):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = [host] if _guarded(host) else [host, *_addresses(host, port)]
    for address in addresses:
        if _guarded(address):
            raise InputError(
                f"target {base_url}: {host} is a link-local or cloud-metadata address ({address}); a study may not "
                f"aim there unless the runner allows it with --allow-host {host} (or {ALLOW_HOSTS}={host})"
            )


def check_target(target: Target, environ: Mapping[str, str] | None = None) -> None:
    """Everything refusable before a request is sent: variables, hosts, and URLs off the target's host."""
    expand_target(target, environ)
    check_same_host(target)
    check_host_allowed(target.base_url, environ)


def target_hosts(study: Study) -> list[tuple[str, str]]:
    """(candidate, ``scheme://host:port``) for every live target a run of ``study`` contacts."""
    hosts = []
    for candidate in study.candidates:
        if candidate.target is not None:
            parts = urlsplit(candidate.target.base_url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            hosts.append((candidate.name, f"{parts.scheme}://{parts.hostname}:{port}"))
    return hosts


def describe_targets(study: Study, environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per live target a run contacts, after the checks a run makes before sending anything.

    A variable the study may not read, or a guarded host, raises ``InputError``; a variable that
    is allowed but not set yet is noted on the line (the run itself will refuse it).
    """
    lines = []
    for candidate, host in target_hosts(study):
        target = study.candidate(candidate).target
        assert target is not None
        note = ""
        try:
            check_target(target, environ)
        except TargetError as error:
            note = f" (before a run: {error})"
        lines.append(f"target host: {host} ({candidate}){note}")
    return lines


def connect_round_trip(base_url: str, samples: int = 7, timeout: float = 3.0) -> float:
    """The median time to open a TCP connection to the target, in seconds: the resolution of
    every latency this load test measures (a loopback target still costs a round trip)."""
    parts = urlsplit(base_url)
    address = (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        try:
            with socket.create_connection(address, timeout=timeout):
                times.append(time.perf_counter() - started)
        except OSError:
            continue  # check_reachable has already said whether the target answers at all
    return float(statistics.median(times)) if times else math.nan


def check_reachable(base_url: str, timeout: float = 3.0) -> None:
    """Refuse, within seconds and in one line, a guarded host or one that does not accept connections."""
    check_host_allowed(base_url)  # before the first connection a load test makes
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except socket.gaierror:
        raise TargetError(f"target {base_url}: unknown host {host!r}") from None
    except TimeoutError:
        raise TargetError(f"target {base_url}: no answer from {host}:{port} within {timeout:g} s") from None
    except OSError as error:
        raise TargetError(f"target {base_url}: cannot connect to {host}:{port}: {error.strerror or error}") from None
