"""The generic HTTP target adapter: how a workflow is started and how its end is known.

A study's ``target`` describes any orchestration engine's REST API: the start request (method,
path or URL, a JSON body template with ``{{seq}}`` and ``{{uuid}}``), a JSON pointer to the new
workflow's id, and completion either *synchronous* (the start response means the workflow is
over) or *polled* (a status URL whose field reaches a done or a failed value). Header values may
name environment variables as ``${NAME}``, so secrets never live in the study file. A candidate
without a target is load-tested on its reference platform, whose API this module also describes.

Everything here is plain Python: the generator process (under gevent) and the calling process
(to validate before anything starts) share it.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from evalkit.errors import InputError, TargetError
from evalkit.study import Study, Target
from evalkit.study.candidates import Completion, StartRequest

__all__ = [
    "ResolvedTarget",
    "check_reachable",
    "check_same_host",
    "classify_status",
    "expand_headers",
    "reference_target",
    "render_body",
    "resolve_pointer",
    "resolve_target",
]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
Status = Literal["completed", "failed", "lost"]


@dataclass(frozen=True)
class ResolvedTarget:
    """The target a load test drives, and how to read what it measures."""

    target: Target
    time_scale: float  # real seconds per study second (1 for a real platform)
    reference: bool  # a reference platform: /metrics is scraped and /reset called between stages


def reference_target(base_url: str, *, synchronous: bool = True) -> Target:
    """The reference platform's API as a target: synchronous by default, or polled."""
    if synchronous:
        return Target(
            base_url=base_url,
            start=StartRequest(path="/workflows?wait=true"),
            completion=Completion(mode="sync"),
            timeout=30.0,
        )
    return Target(base_url=base_url, completion=Completion(mode="poll", poll_interval=0.02))


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
    return ResolvedTarget(reference_target(base_url, synchronous=synchronous), scale, reference=True)


def expand_headers(headers: Mapping[str, str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Header values with ``${NAME}`` replaced from the environment; a missing variable is an error."""
    environ = os.environ if environ is None else environ

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise TargetError(f"the target's headers use ${{{name}}}, but {name} is not set in the environment")
        return environ[name]

    return {name: _ENV.sub(value, text) for name, text in headers.items()}


def render_body(template: Any, seq: int, uuid: str) -> Any:
    """The start request's JSON body: ``{{seq}}`` and ``{{uuid}}`` filled in (a lone ``{{seq}}`` stays a number)."""
    if isinstance(template, dict):
        return {key: render_body(value, seq, uuid) for key, value in template.items()}
    if isinstance(template, list):
        return [render_body(value, seq, uuid) for value in template]
    if isinstance(template, str):
        if template == "{{seq}}":
            return seq
        return template.replace("{{seq}}", str(seq)).replace("{{uuid}}", uuid)
    return template


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
    """``completed``, ``failed`` or ``lost`` for a final status value; ``None`` while still running."""
    text = str(value)
    if text in completion.done:
        return "completed"
    if text in completion.failed:
        return "lost" if text == "lost" else "failed"
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


def check_reachable(base_url: str, timeout: float = 3.0) -> None:
    """Refuse, within seconds and in one line, a target whose host does not accept connections."""
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
