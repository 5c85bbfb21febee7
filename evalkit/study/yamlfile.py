"""Reading a YAML file safely, remembering the line of every value.

``read_yaml`` returns the plain data and a map from field path (``("candidates", 1, "design")``)
to the 1-based line where that value starts, so validation errors can point into the file. It
refuses what would hurt: a missing file or a directory, bytes that are not UTF-8 text, an empty
document, a top level that is not a mapping, duplicate keys (YAML would silently keep the last),
and alias bombs (a few lines that expand into billions of nodes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from evalkit.errors import StudyError

__all__ = ["LineMap", "read_yaml", "MAX_FILE_BYTES", "MAX_EXPANDED_NODES"]

LineMap = dict[tuple[str | int, ...], int]
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_EXPANDED_NODES = 200_000


def _read_text(path: Path) -> str:
    if not path.exists():
        raise StudyError("file not found", file=path)
    if path.is_dir():
        raise StudyError("is a directory; give a YAML file", file=path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise StudyError(f"cannot read: {error.strerror or error}", file=path) from None
    if len(raw) > MAX_FILE_BYTES:
        raise StudyError(f"file is {len(raw)} bytes; at most {MAX_FILE_BYTES} are read", file=path)
    if b"\x00" in raw:
        raise StudyError("binary data, not a YAML text file", file=path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise StudyError(f"not UTF-8 text (byte {error.start} cannot be decoded)", file=path) from None


def _expanded_size(node: yaml.Node, path: Path) -> int:
    """Count nodes as if every alias were copied out; refuse cycles and bombs."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(current: yaml.Node) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise StudyError(
                "a YAML alias refers to itself (recursive structure)", file=path, line=current.start_mark.line + 1
            )
        active.add(key)
        total = 1
        if isinstance(current, yaml.SequenceNode):
            total += sum(size(child) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in current.value)
        active.discard(key)
        if total > MAX_EXPANDED_NODES:
            raise StudyError(
                f"expands to more than {MAX_EXPANDED_NODES} values through aliases (an alias bomb?)",
                file=path,
                line=current.start_mark.line + 1,
            )
        sizes[key] = total
        return total

    return size(node)


def _map_lines(node: yaml.Node, path: Path) -> LineMap:
    lines: LineMap = {}

    def walk(current: yaml.Node, at: tuple[str | int, ...]) -> None:
        lines.setdefault(at, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in current.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    field = ".".join(map(str, (*at, key)))
                    raise StudyError(
                        f"duplicate key {key!r} (first on line {seen[key]})", file=path, line=line, field=field
                    )
                seen[key] = line
                lines[(*at, key)] = (
                    value_node.start_mark.line + 1 if value_node.start_mark.line > key_node.start_mark.line else line
                )
                walk(value_node, (*at, key))
        elif isinstance(current, yaml.SequenceNode):
            for index, child in enumerate(current.value):
                walk(child, (*at, index))

    walk(node, ())
    return lines


def read_yaml(path: str | Path) -> tuple[dict[str, Any], LineMap]:
    """Parse one YAML mapping; return it with the line of each field path."""
    path = Path(path)
    text = _read_text(path)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise StudyError("the file is empty; a study is a YAML mapping (see `evalkit init`)", file=path)
        _expanded_size(node, path)
        lines = _map_lines(node, path)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise StudyError(f"invalid YAML: {problem}", file=path, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise StudyError(f"invalid YAML: {error}", file=path) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise StudyError(f"the top level must be a mapping of keys to values, found {kind}", file=path, line=1)
    non_text = [k for k in data if not isinstance(k, str)]
    if non_text:
        raise StudyError(
            f"top-level keys must be text, found {non_text[0]!r}", file=path, line=lines.get((non_text[0],))
        )
    return data, lines
