"""The generator's HTTP transport: geventhttpclient's connection pool, without the browser layers.

Locust's ``FastHttpSession`` wraps geventhttpclient in a user agent built for imitating browsers:
a URL object parsed per request, a cookie jar, compression, redirects and a retry loop of its
own. A workflow API needs none of these, and together they cost about as much CPU per request
as the HTTP exchange itself; an open-model generator that must send every start on time cannot
spend it. ``LeanSession`` sends each request on ``geventhttpclient.HTTPClient`` directly (which
still retries a request once on a stale keep-alive connection) and fires Locust's ``request``
event once, with the same fields, so Locust's statistics, CSVs and HTML report see every request
as before. It answers with ``LeanResponse``, which has the attributes the workflow client reads:
``status_code`` (0 when there was no answer), ``error`` (why, then; or the bad status), ``text``
and ``headers``.

What it leaves to ``FastHttpSession`` (kept as a fallback): a path that is a full URL, and an
answer that redirects (3xx), which is re-sent there to be followed.
"""

from __future__ import annotations

import re
import time
from typing import Any

from geventhttpclient import HTTPClient
from geventhttpclient.url import URL
from locust.contrib.fasthttp import FAILURE_EXCEPTIONS, FastHttpSession, LocustBadStatusCode, LocustUserAgent

__all__ = ["LeanResponse", "LeanSession"]

_ABSOLUTE = re.compile(r"^https?://", re.IGNORECASE)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class LeanResponse:
    """One request's answer, or why there was none."""

    __slots__ = ("content", "error", "headers", "status_code")

    def __init__(self, status_code: int, content: bytes, headers: Any, error: BaseException | None) -> None:
        self.status_code = status_code
        self.content = content
        self.headers = headers
        self.error = error

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class LeanSession:
    """Requests to one base URL, each reported to Locust's ``request`` event."""

    def __init__(
        self,
        base_url: str,
        request_event: Any,
        *,
        concurrency: int,
        network_timeout: float,
        connection_timeout: float,
        max_retries: int = 1,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.request_event = request_event
        url = URL(self.base_url)
        self.prefix = url.path.rstrip("/") if url.path not in ("", "/") else ""
        timeouts = {"network_timeout": network_timeout, "connection_timeout": connection_timeout}
        self.client = HTTPClient.from_url(url, insecure=True, concurrency=concurrency, **timeouts)
        self.fallback = FastHttpSession(
            self.base_url,
            request_event=request_event,
            user=None,
            concurrency=concurrency,
            max_retries=max_retries,
            **timeouts,  # type: ignore[arg-type]
        )
        self.fallback.client.cookiejar = None  # one jar shared by every workflow would leak cookies

    def request(
        self, method: str, path: str, name: str, data: str | None = None, headers: dict[str, str] | None = None
    ) -> LeanResponse:
        """Send one request; its answer (never an exception: a failure is the answer's ``error``)."""
        if _ABSOLUTE.match(path):
            return self._by_fallback(method, path, name, data, headers)
        start_time, started = time.time(), time.perf_counter()
        response = self._exchange(method, self.prefix + path, data, headers)
        if response.status_code in _REDIRECTS:
            return self._by_fallback(method, path, name, data, headers)
        self.request_event.fire(
            request_type=method,
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=len(response.content),
            exception=response.error,
            context={},
            response=response,
            start_time=start_time,
            url=self.base_url + path,
        )
        return response

    def _by_fallback(
        self, method: str, path: str, name: str, data: str | None, headers: dict[str, str] | None
    ) -> LeanResponse:
        """Locust's own session (it reports the request itself), its answer as a ``LeanResponse``."""
        answer = self.fallback.request(method, path, name=name, data=data, headers=headers)
        error = getattr(answer, "error", None)
        try:
            content = answer.content or b""
        except FAILURE_EXCEPTIONS as failure:
            content, error = b"", error or failure
        return LeanResponse(answer.status_code or 0, content, getattr(answer, "headers", None), error)

    def _exchange(self, method: str, uri: str, data: str | None, headers: dict[str, str] | None) -> LeanResponse:
        try:
            answer = self.client.request(method, uri, body=data, headers=headers)
            try:
                content = answer.read()
            finally:
                answer.release()
        except FAILURE_EXCEPTIONS as failure:
            return LeanResponse(0, b"", None, failure)
        status = answer.status_code
        bad = None
        if status not in LocustUserAgent.valid_response_codes:
            bad = LocustBadStatusCode(self.base_url + uri[len(self.prefix) :], code=status)
        return LeanResponse(status, bytes(content), answer.info(), bad)  # headers: case-insensitive
