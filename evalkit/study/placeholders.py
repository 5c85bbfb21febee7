"""Values a person still has to fill in: the ``TODO`` marks of a generated study skeleton.

``evalkit import-bpmn`` writes what BPMN cannot say (a system's capacity, a branch's probability)
as the text ``TODO``. Such a study must not validate: ``find_placeholders`` lists every field
path still marked, and the loader refuses the file at the first one, naming its line and field,
before the schema would complain about a wrong type in less helpful words.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["TODO", "find_placeholders"]

#: The mark of a value still to be filled in.
TODO = "TODO"


def find_placeholders(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Field paths (in file order) whose value is the text ``TODO``."""
    if isinstance(data, str):
        if data.strip() == TODO:
            yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from find_placeholders(value, (*path, key))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from find_placeholders(value, (*path, index))
