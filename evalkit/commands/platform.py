"""``evalkit platform up|down|status NAME``: bring a real engine's kit up on this machine, or down.

A kit (``platforms/<name>/kit.py``: celery, temporal, restate, n8n) installs its engine from a package
registry, starts it on 127.0.0.1 with PID files and a readiness check, and stops exactly the
processes it started. ``up`` installs what is missing first, then prints the PIDs and the base
URL the kit's ``target:`` block points at, and the engine's version where its API tells it;
``scenarios/real-engines.yaml`` load-tests the first three. A kit whose target needs a secret
(n8n's API key) says which variable to export from which file.
Kits live in the source tree beside the package (an editable install, as ``make`` builds).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import typer

__all__ = ["KITS", "load_kit", "register"]

KITS = ("celery", "temporal", "restate", "n8n")
_ROOT = Path(__file__).resolve().parents[2] / "platforms"


def load_kit(name: str) -> ModuleType:
    """``platforms/<name>/kit.py`` as a module; an ``InputError`` for an unknown kit."""
    from evalkit.errors import InputError

    path = _ROOT / name / "kit.py"
    if name not in KITS or not path.exists():
        raise InputError(f"unknown platform {name!r}; evalkit has kits for: {', '.join(KITS)} (in {_ROOT})")
    spec = importlib.util.spec_from_file_location(f"evalkit_kit_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fail(name: str, error: Exception) -> Exception:
    from evalkit.errors import LoadTestError

    return LoadTestError(f"platform {name}: {error}")


def register(app: typer.Typer) -> None:
    platform = typer.Typer(help="Real engines on this machine: install, start (127.0.0.1 only) and stop a kit.")
    app.add_typer(platform, name="platform")

    @platform.command("up")
    def up(name: str = typer.Argument(..., help=f"One of: {', '.join(KITS)}.")) -> None:
        """Install the kit if needed, start it, wait until it answers; print its PIDs and base URL."""
        kit = load_kit(name)
        try:
            kit.install()
            pids = kit.kit().up()
        except kit.KitError as error:
            raise _fail(name, error) from None
        version = kit.version() if hasattr(kit, "version") else None
        engine = f", engine {version} ({kit.VERSION_SOURCE})" if version else ""
        print(f"{name}: up at {kit.base_url()}{engine} (PIDs {', '.join(f'{k} {v}' for k, v in pids.items())})")
        print(f"state, PID files and logs: {kit.kit().directory}")
        if hasattr(kit, "API_KEY_VARIABLE"):  # the target block reads the key from the environment
            print(f'before a run: export {kit.API_KEY_VARIABLE}="$(cat {kit.api_key_file()})"')

    @platform.command("down")
    def down(name: str = typer.Argument(..., help=f"One of: {', '.join(KITS)}.")) -> None:
        """Stop the kit's processes by their PID files."""
        kit = load_kit(name)
        try:
            stopped = kit.kit().down()
        except kit.KitError as error:
            raise _fail(name, error) from None
        print(f"{name}: stopped {', '.join(stopped)}" if stopped else f"{name}: nothing was running")

    @platform.command("status")
    def status() -> None:
        """Which kits are running, with their PIDs."""
        for name in KITS:
            kit = load_kit(name)
            try:
                pids = kit.kit().pids()
            except kit.KitError as error:
                print(f"{name}: {error}")
                continue
            running = ", ".join(f"{k} {v}" for k, v in pids.items())
            print(f"{name}: {'running: ' + running + ' at ' + kit.base_url() if pids else 'down'}")
