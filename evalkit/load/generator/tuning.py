"""Process-level settings that keep a generator process fast and on time.

An open-model generator is judged by whether it sends each start on time, so what matters is not
only its CPU per request but the pauses in which nothing is sent. Two costs that a
closed-loop Locust user barely notices are removed here (a third, the HTTP client's browser
layers, in ``evalkit.load.generator.transport``):

* **the cyclic garbage collector:** a full collection walks every object the process holds;
  with Locust, gevent, numpy and pydantic loaded that is tens of milliseconds, during which every
  start falls due late. Collecting once before a stage and freezing the survivors (libraries,
  the plan) leaves the collector only the stage's own young objects;
* **name resolution per connection:** geventhttpclient resolves the host for every new
  connection, by default on gevent's thread pool (a thread hop each time). A host written as an
  IP address, or ``localhost``, needs no lookup, so it is resolved inline.
"""

from __future__ import annotations

import gc
import ipaddress
from urllib.parse import urlsplit

import gevent
import gevent.resolver.blocking

__all__ = ["quiet_collector", "resolve_inline_if_literal"]


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
