"""Leftovers of a killed run are tidied without losing a finished report."""

from __future__ import annotations

from pathlib import Path

from pmoreports._files import sweep_staging


def test_sweep_removes_staging_and_restores_a_half_swapped_report(tmp_path: Path) -> None:
    (tmp_path / ".ALPHA.staging-abc").mkdir()
    (tmp_path / ".ALPHA.staging-abc" / "report.html").write_text("partial")
    (tmp_path / "BRAVO").mkdir()  # swap finished: the backup is stale
    (tmp_path / ".BRAVO.old-1234").mkdir()
    (tmp_path / ".CHARLIE.old-5678").mkdir()  # killed between the two renames
    (tmp_path / ".CHARLIE.old-5678" / "report.html").write_text("last month")
    sweep_staging(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["BRAVO", "CHARLIE"]
    assert (tmp_path / "CHARLIE" / "report.html").read_text() == "last month"
