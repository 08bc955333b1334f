"""The gallery's kinds without LibreOffice: the committed files, the commands, the reader
and the metrics each kind feeds (formulas vs engine: tests/test_gallery.py)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from xlsx_helpers import fingerprint

from pmoreports.cli import main
from pmoreports.errors import UnreadableWorkbookError, WorkbookKindError
from pmoreports.metrics import glossary as g
from pmoreports.metrics.kinds import data_as_kind, kind_metrics
from pmoreports.metrics.project import project_metrics
from pmoreports.paths import KIT_ROOT, TEMPLATES_DIR
from pmoreports.workbook.demo import DEMO_PROJECTS, SEED, build_demo_project
from pmoreports.workbook.gallery import write_kind_template, write_kind_workbook
from pmoreports.workbook.kinds import KINDS, PROJECT
from pmoreports.workbook.model import ProjectData
from pmoreports.workbook.reader import check_workbook, read_workbook
from pmoreports.workbook.schema import SCHEMA


@pytest.fixture(scope="module")
def alpha() -> ProjectData:
    return build_demo_project(DEMO_PROJECTS[0], SEED)


@pytest.fixture(scope="module")
def filled(alpha: ProjectData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("kinds")
    out = {}
    for kind in KINDS:
        out[kind] = root / f"alpha-{kind}.xlsx"
        write_kind_workbook(out[kind], data_as_kind(alpha, kind))
    return out


@pytest.mark.parametrize("kind", list(KINDS))
def test_committed_template_matches_the_writer(kind: str, tmp_path: Path) -> None:
    """Regenerate with `pmoreports demo --out .` when the schema or a writer changes."""
    fresh = write_kind_template(tmp_path / "fresh.xlsx", kind).path
    committed = KIT_ROOT / TEMPLATES_DIR / "excel" / KINDS[kind].file_name
    assert fingerprint(fresh) == fingerprint(committed)


def test_every_committed_template_is_a_kind() -> None:
    files = {p.name for p in (KIT_ROOT / TEMPLATES_DIR / "excel").glob("*.xlsx")}
    assert files == {k.file_name for k in KINDS.values()}


def test_template_list_shows_every_kind_with_its_sheets() -> None:
    result = CliRunner().invoke(main, ["template", "list"])
    assert result.exit_code == 0
    for kind in KINDS.values():
        line = next(x for x in result.output.splitlines() if x.startswith(kind.name + " "))
        assert kind.purpose in line
        assert ", ".join(kind.sheet_names) in result.output


@pytest.mark.parametrize("kind", list(KINDS))
def test_template_new_kind_writes_that_kind(kind: str, tmp_path: Path) -> None:
    out = tmp_path / f"{kind}.xlsx"
    result = CliRunner().invoke(main, ["template", "new", "--kind", kind, "-o", str(out), "--project-id", "P1"])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(KINDS[kind].sheet_names)
    for name in KINDS[kind].sheets:  # the input sheets carry the schema's headers
        table = next((t for t in KINDS[kind].schema.tables if t.name == name), None)
        if table is not None:
            headers = [c.value for c in wb[name][2]][: len(table.fields)]
            assert headers == [f.header for f in table.fields]
    for ws in wb.worksheets[1:]:  # formula cells are protected, without a password
        formulas = [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert all(c.protection.locked for c in formulas), ws.title
        if formulas:
            assert ws.protection.sheet and not ws.protection.password, ws.title


def test_template_new_default_is_the_project_workbook(tmp_path: Path) -> None:
    out = tmp_path / "p.xlsx"
    assert CliRunner().invoke(main, ["template", "new", "-o", str(out)]).exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == list(SCHEMA.sheet_names)


def test_unknown_kind_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["template", "new", "--kind", "gantt", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "gantt" in result.output and "business-case" in result.output


@pytest.mark.parametrize("kind", list(KINDS))
def test_check_knows_the_kind_from_the_file(kind: str, filled: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["template", "check", "--json", str(filled[kind])])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)[0]
    assert report["kind"] == kind
    assert not [i for i in report["issues"] if i["severity"] == "critical"]
    text = CliRunner().invoke(main, ["template", "check", str(filled[kind])]).output
    assert (f"template kind '{kind}'" in text) == (kind != PROJECT)


def test_business_case_kind_gives_the_project_business_case(alpha: ProjectData, filled: dict[str, Path]) -> None:
    """The business-case sheet alone gives the same NPV, IRR, ROI, BCR and paybacks as the full
    workbook (its yearly project cost is the full workbook's cost per year)."""
    alone = kind_metrics(read_workbook(filled["business-case"])).business_case
    full = project_metrics(read_workbook(filled[PROJECT])).business_case
    assert alone is not None
    for key in (g.NPV, g.IRR, g.ROI, g.BCR, g.PAYBACK, g.DISCOUNTED_PAYBACK, g.TOTAL_COSTS, g.TOTAL_BENEFITS):
        a, b = alone.metrics[key].value, full.metrics[key].value
        assert (a is None and b is None) or a == pytest.approx(b, rel=1e-9, abs=1e-6), key


def test_risk_register_kind_gives_the_risk_metrics(alpha: ProjectData, filled: dict[str, Path]) -> None:
    alone = kind_metrics(read_workbook(filled["risks"]))
    full = project_metrics(read_workbook(filled[PROJECT]))
    assert alone.risk_register is not None and alone.business_case is None and alone.series is None
    for key in (g.OPEN_RISKS, "open_exposure"):
        assert alone.risk_exposure[key].value == pytest.approx(full.risk_exposure[key].value), key
    # a risk register has no change log: its contingency left is the contingency less realised risks
    register = alone.risk_register
    realised = register.loc[register["status"] == "realised", "cost_impact"].sum()
    contingency = read_workbook(filled["risks"]).info.contingency or 0.0
    assert alone.risk_exposure["contingency_remaining"].value == pytest.approx(contingency - realised)


def test_evm_kind_gives_the_status_metrics(filled: dict[str, Path]) -> None:
    alone = kind_metrics(read_workbook(filled["evm"]))
    full = project_metrics(read_workbook(filled[PROJECT]))
    for key in (g.PV, g.EV, g.AC, g.CPI, g.SPI, g.EAC, g.VAC):
        assert alone.status[key].value == pytest.approx(full.status[key].value), key


@pytest.mark.parametrize("kind", [k for k in KINDS if k != PROJECT])
def test_a_kind_without_a_full_report_gets_a_clear_message(kind: str, filled: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(WorkbookKindError) as caught:
        project_metrics(read_workbook(filled[kind]))
    message = str(caught.value)
    assert filled[kind].name in message and f"--kind {PROJECT}" in message and KINDS[kind].title.lower() in message
    params = tmp_path / "p.yaml"
    params.write_text(f"workbook: {filled[kind]}\n")
    result = CliRunner().invoke(main, ["run", str(params), "--output", str(tmp_path / "out")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"--kind {PROJECT}" in result.output


def test_an_unknown_kind_in_the_file_is_named(filled: dict[str, Path], tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(filled["risks"])
    ws = wb[SCHEMA.project.name]
    row = next(r for r in ws.iter_rows() if r[0].value == SCHEMA.project.kind_label)
    row[1].value = "gantt"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(UnreadableWorkbookError, match=r"Project!B\d+: unknown template kind 'gantt'"):
        check_workbook(bad)


def test_a_kind_missing_its_sheet_names_it(filled: dict[str, Path], tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(filled["changes"])
    del wb[SCHEMA.changes.name]
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    result = check_workbook(bad)
    assert any(i.sheet == SCHEMA.changes.name and i.code == "DQ-SHEET-MISSING" for i in result.errors)
