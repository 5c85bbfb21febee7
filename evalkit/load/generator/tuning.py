"""Process-level settings that keep a generator process fast and on time.

An open-model generator is judged by whether it sends each start on time, so what matters is not
only its CPU per request but the pauses in which nothing is sent. Three sources of cost that a
closed-loop Locust user barely notices are removed here:

* **the cyclic garbage collector:** a full collection walks every object the process holds;
  with Locust, gevent, numpy and pydantic loaded that is tens of milliseconds, during which every
  start falls due late. Collecting once before a stage and freezing the survivors (libraries,
  the plan) leaves the collector only the stage's own young objects;
* **name resolution per connection:** geventhttpclient resolves the host for every new
  connection, by default on gevent's thread pool (a thread hop each time). A host written as an
  IP address, or ``localhost``, needs no lookup, so it is resolved inline;
* **the cookie jar:** Locust's session keeps one jar shared by every workflow of the process,
  which no workflow API should depend on (it would leak one workflow's cookies into the next),
  and parsing it costs on every request. It is switched off.
"""

from __future__ import annotations

import gc
import ipaddress
from typing import Any
from urllib.parse import urlsplit

import gevent
import gevent.resolver.blocking

__all__ = ["quiet_collector", "resolve_inline_if_literal", "without_cookies"]


def quiet_collector() -> None:
    """Collect now and freeze what survives, so collections during the stage stay short."""
    gc.collect()
    gc.freeze()


def resolve_inline_if_literal(base_url: str) -> bool:
    """Resolve names without the thread pool when the target's host needs no lookup; whether it did."""
    host = urlsplit(base_url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            return False
    hub = gevent.get_hub()
    hub.resolver = gevent.resolver.blocking.Resolver(hub)
    return True


def without_cookies(session: Any) -> None:
    """Switch off the cookie jar of a Locust ``FastHttpSession`` (see the module doc)."""
    session.cookiejar = None
    session.client.cookiejar = None
