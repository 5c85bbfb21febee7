"""The target side of provenance: base URL, engine version where the kit's API tells it, poll interval."""

from __future__ import annotations

from pathlib import Path

from evalkit.load.provenance import TargetRecord, engine_version, read_targets, write_target
from evalkit.report.polling import poll_bias
from evalkit.scorecard_data import TargetProvenance

KIT = """
VERSION_SOURCE = "GET /version"
def version():
    return "9.8.7"
"""


def test_a_kit_names_its_engine_version_and_where_it_read_it(tmp_path: Path) -> None:
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "kit.py").write_text(KIT, encoding="utf-8")
    (tmp_path / "silent").mkdir()
    (tmp_path / "silent" / "kit.py").write_text("def version():\n    raise OSError('refused')\n", encoding="utf-8")
    assert engine_version("fake", tmp_path) == ("9.8.7", "GET /version")
    assert engine_version("silent", tmp_path) == (None, None)  # an engine that does not answer: not recorded
    assert engine_version("missing", tmp_path) == (None, None)
    assert engine_version("../fake", tmp_path) == (None, None)  # a kit name is a folder name, nothing else
    assert engine_version(None, tmp_path) == (None, None)


def test_target_records_round_trip_into_the_scorecard_model(tmp_path: Path) -> None:
    write_target(tmp_path / "B", TargetRecord("B", "http://127.0.0.1:1", "emulated"))
    write_target(
        tmp_path / "A", TargetRecord("A", "http://127.0.0.1:2", "measured", "fake", "9.8.7", "GET /version", 0.05)
    )
    (tmp_path / "C").mkdir()
    (tmp_path / "C" / "target.json").write_text("not json", encoding="utf-8")
    records = read_targets(tmp_path)
    assert [r["candidate"] for r in records] == ["A", "B"]
    models = [TargetProvenance.model_validate(r) for r in records]
    assert models[0].engine_version == "9.8.7" and models[0].poll_interval == 0.05
    assert read_targets(tmp_path / "nowhere") == []


def test_each_polling_target_states_its_bias_and_a_synchronous_one_none() -> None:
    targets = [
        TargetProvenance(candidate="Temporal", base_url="http://127.0.0.1:7243", kind="measured", poll_interval=0.1),
        {"candidate": "Reference", "kind": "emulated", "poll_interval": None},
        {"candidate": "Fast", "kind": "emulated", "poll_interval": 0.002},
    ]
    statements = [bias.statement for bias in poll_bias(targets)]
    assert statements == [
        "Fast (emulated): completion times are known to within one poll interval (2 ms); "
        "measured cycle times may be up to 2 ms late.",
        "Temporal (measured): completion times are known to within one poll interval (100 ms); "
        "measured cycle times may be up to 100 ms late.",
    ]
