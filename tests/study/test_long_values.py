"""A rejected value is echoed short: a 5,000-character value never floods the one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evalkit.errors import InputError
from evalkit.study import load_study

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.yaml"
LONG = "x" * 5000


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["candidates"][0].__setitem__("design", LONG),
        lambda d: d["traffic"].__setitem__("peak_rate", LONG),
        lambda d: d["traffic"].__setitem__("horizon", LONG),
        lambda d: d.__setitem__(LONG, 1),
    ],
    ids=["literal", "rate", "duration", "unknown-key"],
)
def test_long_rejected_values_are_cut_with_an_ellipsis(tmp_path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_study(path)
    message = str(raised.value)
    assert "\n" not in message and "…" in message
    assert len(message) < 400, message
