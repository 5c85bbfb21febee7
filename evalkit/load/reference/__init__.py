"""Reference platforms: each design of ``docs/models.md`` running live behind an HTTP API.

``ReferencePlatform`` (a context manager) runs ``evalkit serve`` for one candidate in its own
process; ``make_app`` and ``Platform`` are the server side. The server is asyncio (aiohttp) with
real semaphores, queues and sleeps; it never imports Locust.
"""

from evalkit.load.reference.process import ReferencePlatform

__all__ = ["ReferencePlatform"]
