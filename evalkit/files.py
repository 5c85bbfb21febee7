"""Writing files so that no reader ever sees half of one.

Run directories are read while they are written (``evalkit runs``, a report rendered during a
resume, two processes racing). Each file is therefore written to a unique temporary name in the
same folder and renamed over the old one: ``os.replace`` is atomic on POSIX, so a reader sees the
old file or the new one, whole, and two writers never share a temporary name.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

from evalkit.errors import RunStoreError

__all__ = ["write_atomically"]


@functools.cache
def _umask() -> int:
    # Reading the umask means setting it; do it once, not on every write (threads may be running).
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write ``path`` through a unique temporary file and a rename: readers see old or new, whole."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        # mkstemp creates the file private (0600); a run's files are as shareable as any other the
        # user writes, so they get the usual mode under the user's umask.
        os.fchmod(descriptor, 0o666 & ~_umask())
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise RunStoreError(f"{path}: cannot write: {error.strerror or error}") from None
