"""The load generator: the only part of evalkit that runs under Locust and gevent.

Run as ``python -m evalkit.load.generator SPEC --worker K`` by ``evalkit.load.runner``; importing
this package itself imports nothing from Locust, only ``__main__`` does, so that the monkey
patching stays inside the generator process.
"""
