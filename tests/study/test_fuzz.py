"""Fuzzing the loader: a mutated bundled study is either valid or refused with a field path.

Mutations are applied to the parsed data (drop a key, swap a value's type, negate, make huge,
inject unicode) and the result is written back as YAML, so the loader sees realistic files.
The only acceptable outcomes are a ``Study`` or a ``StudyError`` (one line, with a field path or
a line); any other exception is a bug.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.errors import StudyError
from evalkit.study import Study, load_study

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
ORIGINALS = {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in SCENARIOS}


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["-5s", "1e400s", "∞", "ünïcødé", "10/fortnight", "%", "0x10", "", "nan", "1e-400"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _mutate(data: Any, path: tuple, action: str, replacement: Any) -> Any:
    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "drop":
        del parent[last]
    elif action == "negate" and isinstance(parent[last], int | float) and not isinstance(parent[last], bool):
        parent[last] = -parent[last] - 1
    elif action == "huge":
        parent[last] = 10**40
    else:
        parent[last] = replacement
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(sorted(ORIGINALS)),
    pick=st.integers(min_value=0, max_value=10**9),
    action=st.sampled_from(["drop", "replace", "negate", "huge"]),
    replacement=REPLACEMENTS,
)
def test_mutated_study_is_valid_or_refused_with_a_path(tmp_path_factory, name, pick, action, replacement) -> None:
    original = ORIGINALS[name]
    paths = _paths(original)
    path = paths[pick % len(paths)]
    mutated = _mutate(original, path, action, replacement)
    file = tmp_path_factory.mktemp("fuzz") / name
    file.write_text(yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        study = load_study(file)
    except StudyError as error:
        message = str(error)
        assert "\n" not in message
        assert error.field or error.line, message
        return
    assert isinstance(study, Study)
