"""The command line, run as a user runs it (a real subprocess) and through click's runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from pmoreports.cli import main


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pmoreports", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_builds_and_checks_everything_under_output(tmp_path: Path) -> None:
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "output/demo/templates/excel/pmoreports_project_template.xlsx").exists()
    assert len(list((tmp_path / "output/demo/examples").glob("*.xlsx"))) == 7
    assert len(list((tmp_path / "output/demo/params").glob("*.yaml"))) == 7
    assert result.stdout.count(": OK") == 7
    # each workbook's data-quality line: FOXTROT's workbook warnings and unexplained variances
    assert "foxtrot.xlsx: OK, data-quality score 79 (0 critical, 4 major, 1 minor)" in result.stdout
    assert "alpha.xlsx: OK, data-quality score 100 (0 critical, 0 major, 0 minor)" in result.stdout
    assert {p.name for p in tmp_path.iterdir()} == {"output"}  # nothing written elsewhere


def test_template_new_prefilled(tmp_path: Path) -> None:
    out = tmp_path / "p.xlsx"
    args = [
        "template",
        "new",
        "-o",
        str(out),
        "--project-id",
        "P9",
        "--name",
        "Pilot",
        "--currency",
        "eur",
        "--start",
        "2026-11",
        "--finish",
        "2027-02",
        "--wbs",
        "1 Design",
        "--wbs",
        "2 Build",
        "--category",
        "Labour",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb["Project"]["B4"].value == "P9" and wb["Project"]["B9"].value == "EUR"
    assert [c.value.strftime("%Y-%m") for c in wb["Budget"][2][2:6]] == [
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
    ]
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "--force" in again.output


def test_template_new_rejects_bad_months(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["template", "new", "-o", str(tmp_path / "x.xlsx"), "--start", "March"])
    assert result.exit_code == 2 and "use YYYY-MM" in result.output
    result = CliRunner().invoke(
        main,
        [
            "template",
            "new",
            "-o",
            str(tmp_path / "x.xlsx"),
            "--start",
            "2026-05",
            "--finish",
            "2026-01",
        ],
    )
    assert result.exit_code == 2 and "--finish is before --start" in result.output


def test_check_exit_codes_and_json(demo_dir: Path, tmp_path: Path) -> None:
    ok = demo_dir / "examples" / "alpha.xlsx"
    warn = demo_dir / "examples" / "foxtrot.xlsx"
    assert run("template", "check", str(ok), str(warn), cwd=tmp_path).returncode == 0
    bogus = tmp_path / "bogus.xlsx"
    bogus.write_text("not,a,workbook\n")
    result = run("template", "check", "--json", str(ok), str(bogus), cwd=tmp_path)
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report[0]["issues"] == [] and "CSV" in report[1]["unusable"]
    assert "Traceback" not in result.stderr


def test_fields_prints_the_reference() -> None:
    result = CliRunner().invoke(main, ["template", "fields"])
    assert result.exit_code == 0 and "| Probability | yes |" in result.output


def test_unwritable_output_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    result = run("template", "new", "-o", str(blocked / "x.xlsx"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert str(blocked) in result.stderr


def test_batch_rejects_a_bad_override_once(tmp_path: Path) -> None:
    from conftest import REPO

    result = run("batch", str(REPO / "params"), "--format", "xml", "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("--format is xml") == 1 and not (tmp_path / "out").exists()
