"""Parameter files: YAML merged over ``_defaults.yaml``, validated before any kernel starts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from pmoreports.errors import ParamsError
from pmoreports.metrics.rag import RagThresholds
from pmoreports.report.params import BUILTIN_DEFAULTS, load_params, params_from_dict


@pytest.fixture
def kit(tmp_path: Path, alpha_xlsx: Path) -> Path:
    """A params folder (with the repo's ``_defaults.yaml``) and the workbook beside it."""
    (tmp_path / "examples").mkdir()
    shutil.copyfile(alpha_xlsx, tmp_path / "examples" / "alpha.xlsx")
    (tmp_path / "params").mkdir()
    shutil.copyfile(REPO / "params" / "_defaults.yaml", tmp_path / "params" / "_defaults.yaml")
    return tmp_path / "params"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def project(folder: Path, extra: str = "", name: str = "alpha.yaml") -> Path:
    """A project file naming the kit's workbook, plus ``extra`` YAML lines."""
    return write(folder, name, "workbook: ../examples/alpha.xlsx\n" + extra)


def problems(path: Path) -> str:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    return str(info.value)


# --- merging -----------------------------------------------------------------------------


def test_repo_params_load_with_documented_defaults() -> None:
    p = load_params(REPO / "params" / "alpha.yaml")
    assert p.project_id == "ALPHA"
    assert p.workbook == (REPO / "examples" / "alpha.xlsx").resolve()
    assert (p.period, p.formats, p.page_size, p.timeout) == (None, ("html", "pdf"), "A4", 600)
    assert p.rag == RagThresholds()
    # the shipped _defaults.yaml says what the built-in defaults say
    builtin = load_params(REPO / "params" / "alpha.yaml", defaults=REPO / "no-such-defaults.yaml")
    assert builtin == p


def test_project_file_deep_merges_over_defaults(kit: Path) -> None:
    defaults = (kit / "_defaults.yaml").read_text()
    defaults = defaults.replace("author: PMO", "author: Central PMO")
    defaults = defaults.replace("height: 260", "height: 300")
    defaults = defaults.replace("cost_amber: 0.90", "cost_amber: 0.85")
    write(kit, "_defaults.yaml", defaults)
    path = project(
        kit,
        "report:\n  title: Steering committee pack\ncharts:\n  width: 800\nrag:\n  cost_green: 0.97\n",
    )
    p = load_params(path)
    # the project's keys win ...
    assert (p.title, p.chart_width, p.rag.cost_green) == ("Steering committee pack", 800, 0.97)
    # ... and their siblings keep the shared defaults, in every section (rag included)
    assert (p.author, p.page_size, p.chart_height) == ("Central PMO", "A4", 300)
    assert p.rag.cost_amber == 0.85
    assert (p.rag.schedule_green, p.rag.forecast_amber) == (0.95, -0.10)


def test_without_a_defaults_file_builtin_defaults_apply(demo_dir: Path) -> None:
    assert not (demo_dir / "params" / "_defaults.yaml").exists()
    p = load_params(demo_dir / "params" / "alpha.yaml")
    assert p.workbook == (demo_dir / "examples" / "alpha.xlsx").resolve()
    assert p.to_dict() | {"workbook": None, "project_id": None, "rag": {}} == BUILTIN_DEFAULTS
    assert p.rag == RagThresholds()


def test_workbook_is_relative_to_the_file_that_sets_it(
    kit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)  # the current directory must not matter
    p = load_params(Path("../../params") / project(kit).name)
    assert p.workbook.is_absolute()
    assert p.workbook == (kit.parent / "examples" / "alpha.xlsx").resolve()
    # a workbook set in a shared defaults file is relative to that file
    shared = tmp_path / "shared"
    shared.mkdir()
    write(shared, "defaults.yaml", "workbook: ../examples/alpha.xlsx\n")
    only_id = write(kit, "beta.yaml", "project_id: ALPHA\n")  # no workbook key
    assert load_params(only_id, defaults=shared / "defaults.yaml").workbook == p.workbook


def test_to_dict_and_params_from_dict_round_trip(kit: Path) -> None:
    p = load_params(project(kit, "period: '2026-10'\nformats: [pdf]\nreport:\n  page_size: Letter\n"))
    plain = p.to_dict()
    assert json.loads(json.dumps(plain)) == plain  # plain data, injectable by papermill
    again = params_from_dict(yaml.safe_load(yaml.safe_dump(plain)))
    assert replace(again, source=p.source) == p
    assert again.to_dict() == plain


def test_params_from_dict_validates_like_a_file(kit: Path) -> None:
    plain = load_params(project(kit)).to_dict()
    with pytest.raises(ParamsError, match=r"<parameters>: unknown key 'report\.titel'"):
        params_from_dict(plain | {"report": {"titel": "x"}})
    with pytest.raises(ParamsError, match=r"'execution\.timeout' is 0"):
        params_from_dict(plain | {"execution": {"timeout": 0}})


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("format: [html]\n", ["unknown key 'format'", "did you mean 'formats'?"]),
        ("report:\n  titel: X\n", ["unknown key 'report.titel'", "did you mean 'report.title'?"]),
        ("charts:\n  widht: 700\n", ["unknown key 'charts.widht'", "'charts.width'"]),
        ("formats: html\n", ["'formats' is 'html'", "a list from ['html', 'pdf']"]),
        ("formats: [html, docx]\n", ["'formats' is ['html', 'docx']"]),
        ("charts:\n  width: big\n", ["'charts.width' is 'big'", "whole number"]),
        ("execution:\n  timeout: 0\n", ["'execution.timeout' is 0", ">= 5"]),
        ("report: hello\n", ["'report' must be a mapping"]),
        ("report:\n  page_size: A3\n", ["'report.page_size' is 'A3'", "A4 or Letter"]),
        ("period: '2026-13'\n", ["'period' is '2026-13'", "YYYY-MM"]),
        ("period: 2026-10-01\n", ["'period' is datetime.date(2026, 10, 1)", "in quotes"]),
        ("project_id: 'AL PHA'\n", ["'project_id' is 'AL PHA'"]),
        (
            "rag:\n  cost_green: 0.80\n  cost_amber: 0.90\n",
            ["rag", "cost_green (0.8) must be >= cost_amber (0.9)"],
        ),
        ("rag:\n  cost_gren: 0.9\n", ["rag.cost_gren", "unknown RAG threshold", "cost_green"]),
        ("rag:\n  cost_green: high\n", ["rag.cost_green", "expected a number"]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_invalid_values_name_file_and_key(kit: Path, extra: str, expected: list[str]) -> None:
    path = project(kit, extra, name="bad.yaml")
    message = problems(path)
    assert message.startswith(str(path)), message
    for needle in expected:
        assert needle in message, message
    assert len(message.splitlines()) == 1, message  # one problem, one line


def test_unquoted_month_is_read_as_text(kit: Path) -> None:
    assert load_params(project(kit, "period: 2026-10\n")).period == "2026-10"


def test_missing_workbook_file(kit: Path) -> None:
    path = write(kit, "lost.yaml", "workbook: ../examples/lost.xlsx\n")
    message = problems(path)
    assert message.startswith(f"{path}: 'workbook' file not found")
    assert str((kit.parent / "examples" / "lost.xlsx").resolve()) in message
    assert "'workbook' is None" in problems(write(kit, "none.yaml", "project_id: ALPHA\n"))


def test_missing_parameter_file(kit: Path) -> None:
    with pytest.raises(ParamsError, match=r"nothere\.yaml: parameter file not found"):
        load_params(kit / "nothere.yaml")


def test_invalid_yaml_names_the_line(kit: Path) -> None:
    path = write(
        kit,
        "broken.yaml",
        "workbook: ../examples/alpha.xlsx\nreport:\n  title: x\n   author: y\ncharts: {}\n",
    )
    message = problems(path)
    assert message.startswith(f"{path}: line 4 not valid YAML"), message
    not_a_mapping = write(kit, "list.yaml", "- workbook\n- alpha.xlsx\n")
    assert "expected 'key: value' lines, found a list" in problems(not_a_mapping)


def test_error_in_defaults_names_the_defaults_file(kit: Path) -> None:
    defaults = kit / "_defaults.yaml"
    write(kit, "_defaults.yaml", defaults.read_text().replace("width: 640", "width: wide"))
    message = problems(project(kit))
    assert message == f"{defaults}: 'charts.width' is 'wide'; expected a whole number >= 200"


def test_every_problem_is_reported_in_one_error(kit: Path) -> None:
    path = write(
        kit,
        "many.yaml",
        "workbook: ../examples/lost.xlsx\n"
        "format: [html]\n"  # unknown key at the top ...
        "formats: html\n"
        "period: '2026-13'\n"
        "report:\n  titel: X\n"  # ... and nested
        "charts:\n  width: big\n"
        "execution:\n  timeout: 0\n"
        "rag:\n  cost_green: 0.5\n",
    )
    lines = problems(path).splitlines()
    expected = [
        "unknown key 'format'",
        "unknown key 'report.titel'",
        "'workbook' file not found",
        "'formats' is 'html'",
        "'period' is '2026-13'",
        "'charts.width' is 'big'",
        "'execution.timeout' is 0",
        "cost_green (0.5) must be >= cost_amber (0.9)",
    ]
    assert len(lines) == len(expected), lines
    for needle in expected:
        assert [line for line in lines if needle in line and line.startswith(str(path))], needle


# --- through the command line ------------------------------------------------------------


def _cli() -> list[str]:
    exe = shutil.which("pmoreports")
    return [exe] if exe else [sys.executable, "-m", "pmoreports"]


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (
            "workbook: ../examples/alpha.xlsx\nreport:\n  titel: X\ncharts:\n  width: big\n",
            ["did you mean 'report.title'", "'charts.width' is 'big'"],
        ),
        (None, ["parameter file not found"]),
    ],
    ids=["two-problems", "missing-file"],
)
def test_cli_reports_bad_params_without_traceback(kit: Path, text: str | None, needles: list[str]) -> None:
    if text is not None:
        write(kit, "bad.yaml", text)
    proc = subprocess.run([*_cli(), "run", "bad.yaml"], cwd=kit, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: bad.yaml"), proc.stderr
    assert proc.stderr.count("error:") == 1, proc.stderr  # one message, all problems in it
    for needle in needles:
        assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (kit / "output").exists()  # validated before anything is written
