"""Parameter files: YAML merged over ``_defaults.yaml``, validated before any kernel starts."""

from __future__ import annotations

import ast
import base64
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
        ("execution:\n  timeout: 0\n", ["'execution.timeout' is 0", "from 5 to 86,400"]),
        ("execution:\n  timeout: 1.0e+400\n", ["'execution.timeout' is inf", "whole number"]),
        ("charts:\n  width: 99999999\n", ["'charts.width' is 99999999", "from 200 to 4,000"]),
        (
            "rag:\n  cost_green: " + "9" * 400 + "\n",
            ["rag.cost_green: expected a finite number, got 99999", "(400 characters)"],
        ),
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
    assert message == f"{defaults}: 'charts.width' is 'wide'; expected a whole number from 200 to 4,000"


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


# --- safe YAML: every file the kit reads goes through one loader --------------------------


def test_one_yaml_loader_is_used_everywhere() -> None:
    """No module but report/_yaml.py parses YAML, so every params file gets the same checks."""
    parsers = {"load", "safe_load", "full_load", "unsafe_load", "load_all", "safe_load_all", "compose", "parse"}
    offenders = []
    for module in (REPO / "src" / "pmoreports").rglob("*.py"):
        if module.name == "_yaml.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in parsers and getattr(node.value, "id", "") == "yaml":
                offenders.append(f"{module.name}:{node.lineno}")
    assert offenders == []


@pytest.fixture(scope="module")
def hkit(tmp_path_factory: pytest.TempPathFactory, alpha_xlsx: Path) -> Path:
    """A params folder for the generated-input tests (hypothesis cannot use function fixtures)."""
    root = tmp_path_factory.mktemp("hkit")
    (root / "examples").mkdir()
    shutil.copyfile(alpha_xlsx, root / "examples" / "alpha.xlsx")
    (root / "params").mkdir()
    shutil.copyfile(REPO / "params" / "_defaults.yaml", root / "params" / "_defaults.yaml")
    return root / "params"


_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda k: yaml.safe_load(k) == k)
_SCALARS = st.one_of(
    st.integers(-(10**9), 10**9),
    st.booleans(),
    st.none(),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
)
_TREES = st.recursive(
    st.dictionaries(_KEYS, _SCALARS, min_size=1, max_size=4),
    lambda kids: st.dictionaries(_KEYS, st.one_of(_SCALARS, kids), min_size=1, max_size=4),
    max_leaves=15,
)


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return yaml.safe_dump(value, default_style='"', width=10**9, allow_unicode=True).splitlines()[0]
    return {None: "null", True: "true", False: "false"}.get(value, str(value))  # type: ignore[call-overload]


def _emit(tree: dict[str, object], twice: tuple[str, ...] | None, path: tuple[str, ...] = ()) -> tuple[list[str], dict]:
    """Block YAML of ``tree`` with its lines, plus {key path: line numbers}; the mapping at
    ``twice[:-1]`` gets its key ``twice[-1]`` a second time, as its last line."""
    lines: list[str] = []
    where: dict[tuple[str, ...], list[int]] = {}
    indent = "  " * len(path)
    for key, value in tree.items():
        where.setdefault((*path, key), []).append(len(lines) + 1)
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            sub, sub_where = _emit(value, twice, (*path, key))
            where |= {k: [n + len(lines) for n in v] for k, v in sub_where.items()}
            lines += sub
        else:
            lines.append(f"{indent}{key}: {_scalar(value)}")
    if twice is not None and twice[:-1] == path:
        where[twice].append(len(lines) + 1)
        lines.append(f"{indent}{twice[-1]}: 1")
    return lines, where


def _mappings(tree: dict[str, object], path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], list[str]]]:
    found = [(path, list(tree))]
    for key, value in tree.items():
        if isinstance(value, dict):
            found += _mappings(value, (*path, key))
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=_TREES, data=st.data(), in_defaults=st.booleans())
def test_duplicate_keys_at_any_level_name_the_key_and_both_lines(
    hkit: Path, tree: dict[str, object], data: st.DataObject, in_defaults: bool
) -> None:
    path, keys = data.draw(st.sampled_from(_mappings(tree)), label="mapping")
    twice = (*path, data.draw(st.sampled_from(keys), label="key"))
    lines, where = _emit(tree, twice)
    target = hkit / ("_defaults.yaml" if in_defaults else "dup.yaml")
    original = (hkit / "_defaults.yaml").read_text()
    try:
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if in_defaults:
            project(hkit, name="dup.yaml")
        message = problems(hkit / "dup.yaml")
    finally:
        (hkit / "_defaults.yaml").write_text(original)
    first, second = where[twice]
    assert f"{target}: duplicate key '{'.'.join(twice)}' on line {first} and line {second}" in message, message


_MUTATIONS = st.lists(
    st.tuples(
        st.integers(0, 10_000), st.text(alphabet="&*!|>-:{}[],#'\"%@`?<=~ \t\n\\x0123ab", min_size=1, max_size=4)
    ),
    max_size=6,
)
_VALID = (
    "workbook: ../examples/alpha.xlsx\nproject_id: ALPHA\nperiod: '2026-10'\nformats: [html, pdf]\n"
    "report:\n  title: Steering pack\n  page_size: Letter\nrag:\n  cost_green: 0.97\n"
    "charts: {width: 700, height: 300}\nexecution:\n  timeout: 60\n"
)


def _assert_clean(path: Path, message: str) -> None:
    """A params error: every line names a file, none is unbounded, no traceback."""
    assert "Traceback" not in message
    for line in message.splitlines():
        assert line.startswith((str(path), str(path.parent / "_defaults.yaml"))), line
        assert len(line) < len(str(path)) + 400, line


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.one_of(st.binary(max_size=400), st.text(max_size=400), _MUTATIONS))
def test_any_file_content_loads_or_is_one_clear_params_error(hkit: Path, content: object) -> None:
    """Random bytes, random text and random YAML punctuation inserted into a valid file:
    either valid parameters or a ParamsError, never another exception."""
    path = hkit / "fuzz.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        text = _VALID
        for position, insert in content:  # type: ignore[attr-defined]
            position %= len(text) + 1
            text = text[:position] + insert + text[position:]
        path.write_text(text, encoding="utf-8")
    try:
        load_params(path)
    except ParamsError as exc:
        _assert_clean(path, str(exc))


_HUGE = 20_000


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    key=st.sampled_from(
        [
            "period",
            "project_id",
            "formats",
            "report.page_size",
            "charts.width",
            "rag.cost_green",
            "execution.notebook",
            "report",
            "bogus",
        ]
    ),
    huge=st.one_of(
        st.text(min_size=1, max_size=3).map(lambda t: t * (_HUGE // len(t))),
        st.integers(1, 9).map(lambda n: [f"item{n}"] * (_HUGE // 8)),
        st.integers(10**3000, 10**4000),
    ),
)
def test_messages_never_print_unbounded_values(hkit: Path, key: str, huge: object) -> None:
    """A huge value (or key) under any key: the message quotes at most ~80 characters of it,
    with an ellipsis and its length."""
    nested: object = huge
    for part in reversed(key.split(".")):
        nested = {part: nested}
    assert isinstance(nested, dict)
    path = hkit / "huge.yaml"
    content = {"workbook": "../examples/alpha.xlsx", **nested, "x" * _HUGE: 1}  # and a huge unknown key
    path.write_text(yaml.safe_dump(content, width=10**9), encoding="utf-8")
    message = problems(path)
    _assert_clean(path, message)
    assert "…" in message and "characters)" in message


def _refused(path: Path, *needles: str, max_lines: int = 1) -> str:
    message = problems(path)
    _assert_clean(path, message)
    for needle in needles:
        assert needle in message, message
    assert len(message.splitlines()) <= max_lines, message
    return message


def _bomb(levels: int = 12, under: str = "report:\n  title: ") -> str:
    lines = ["workbook: ../examples/alpha.xlsx", "lol: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + f"\n{under}*a{levels - 1}\n"


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (_bomb(), ["line 2", "anchors and aliases"]),
        ("workbook: ../examples/alpha.xlsx\nreport: &r {title: x}\ncharts: *r\n", ["line 2", "anchors and aliases"]),
        ("workbook: !!python/object/apply:os.system [echo pwned]\n", ["line 1", "'!!python/object/apply:os.system'"]),
        ("workbook: ../examples/alpha.xlsx\nreport: {title: !!binary aGVsbG8=}\n", ["line 2", "'!!binary'"]),
        ("workbook: ../examples/alpha.xlsx\nreport: !!set {a, b}\n", ["line 2", "'!!set'"]),
        ("workbook: ../examples/alpha.xlsx\nperiod: !custom 2026-10\n", ["line 2", "'!custom'"]),
        (
            "workbook: ../examples/alpha.xlsx\nreport: " + "[" * 5_000 + "]" * 5_000 + "\n",
            ["line 2", "nested more than 20"],
        ),
        ("workbook: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(40)), ["nested more than 20"]),
        ("workbook: ../examples/alpha.xlsx\nperiod: 2026-13-45\n", ["line 2", "'2026-13-45' is not a valid timestamp"]),
        ("workbook: ../examples/alpha.xlsx\ncharts: {width: " + "9" * 5_000 + "}\n", ["line 2", "too many digits"]),
        ("workbook: ../examples/alpha.xlsx\n---\nworkbook: other.xlsx\n", ["line 2", "another document"]),
        ('workbook: ../examples/alpha.xlsx\nreport: {title: "\x07"}\n', ["line 2", "control character #x07"]),
        (b"workbook: ../examples/alpha.xlsx\nreport: {title: caf\xe9}\n", ["not UTF-8 text (byte 0xe9 on line 2)"]),
        ("workbook: ../examples/alpha.xlsx\n".encode("utf-16"), ["UTF-16", "save it as UTF-8"]),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, ["not a text file (a NUL byte on line 1)"]),
        (random.Random(9).randbytes(4096), ["not"]),
    ],
    ids=[
        "alias-bomb",
        "anchor",
        "python-tag",
        "binary-tag",
        "set-tag",
        "local-tag",
        "deep-flow",
        "deep-block",
        "bad-date",
        "huge-int",
        "two-documents",
        "control-char",
        "latin-1",
        "utf-16",
        "binary",
        "random-bytes",
    ],
)
def test_yaml_nasties_are_one_clear_line(kit: Path, content: str | bytes, needles: list[str]) -> None:
    path = kit / "nasty.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    _refused(path, *needles)


def test_files_that_are_not_yaml_text(kit: Path, tmp_path: Path) -> None:
    big = kit / "big.yaml"
    with big.open("wb") as handle:  # 50 MB, sparse: the size is refused before a byte is read
        handle.truncate(50_000_000)
    _refused(big, "is 50 MB; a parameter file is at most 1 MB")
    folder = kit / "folder.yaml"
    folder.mkdir()
    _refused(folder, "is a folder, not a parameter file", "pmoreports batch")
    fifo = kit / "fifo.yaml"
    os.mkfifo(fifo)  # opening a pipe for reading would block: it is refused unopened
    _refused(fifo, "is not a regular file")
    if Path("/dev/zero").exists():
        (kit / "zero.yaml").symlink_to("/dev/zero")
        _refused(kit / "zero.yaml", "is not a regular file")
    # the shared defaults get the same treatment
    (kit / "_defaults.yaml").unlink()
    (kit / "_defaults.yaml").mkdir()
    message = problems(project(kit))
    assert message == f"{kit / '_defaults.yaml'}: is a folder, not a parameter file", message


def test_duplicate_keys_are_all_listed(kit: Path) -> None:
    path = write(
        kit,
        "dups.yaml",
        "project_id: ALPHA\nworkbook: ../examples/alpha.xlsx\nreport:\n  title: A\n  author: B\n  title: C\n"
        "project_id: BRAVO\n",
    )
    message = _refused(path, max_lines=2)
    assert f"{path}: duplicate key 'report.title' on line 4 and line 6" in message
    assert f"{path}: duplicate key 'project_id' on line 1 and line 7" in message


def test_plain_yaml_values_still_read(kit: Path) -> None:
    """The safe loader reads what parameter files hold: quoted and plain text, '=', dates."""
    p = load_params(project(kit, "report:\n  title: '=SUM(A1)'\n  author: =\nperiod: 2026-10\n"))
    assert (p.title, p.author, p.period) == ("=SUM(A1)", "=", "2026-10")


# --- report.logo ----------------------------------------------------------------------------


def _image(kind: str, size: tuple[int, int] = (40, 20), noise: bool = False) -> bytes:
    from PIL import Image

    if noise:
        image = Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (31, 56, 100))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")]
)
def test_logo_type_is_sniffed_from_its_bytes(kit: Path, kind: str, mime: str) -> None:
    """Any known image type is accepted whatever its file name says, and the report embeds
    it with the type of its bytes."""
    from pmoreports.report.project import ProjectReport

    data = _image(kind)
    (kit / "logo.png").write_bytes(data)  # the name lies for three of the four
    p = load_params(project(kit, "report:\n  logo: logo.png\n"))
    assert p.logo == kit / "logo.png"
    html = ProjectReport.load(params=p.to_dict(), static=True).header().data
    assert f'src="data:{mime};base64,{base64.b64encode(data).decode()}"' in html


def test_bad_logos_are_params_errors_naming_file_and_key(kit: Path) -> None:
    def refused(value: str, *needles: str) -> None:
        path = project(kit, f"report:\n  logo: {value}\n", name="logo.yaml")
        message = _refused(path, f"{path}: 'report.logo'", *needles)
        assert "expected a PNG, JPEG, GIF or WebP image of at most 1 MB" in message

    refused(os.__file__, os.__file__, "is a text file, not an image")  # a system file
    write(kit, "text.png", "this is not a picture\n")
    refused("text.png", "is a text file")
    write(
        kit,
        "logo.svg",
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    )
    refused("logo.svg", "is an SVG drawing", "export the logo as PNG")
    (kit / "big.png").write_bytes(_image("PNG", (700, 700), noise=True))  # about 1.5 MB of noise
    refused("big.png", "a logo image is at most 1 MB")
    (kit / "wide.png").write_bytes(_image("PNG", (12_000, 200)))  # small file, huge picture
    refused("wide.png", "is 12,000 x 200 pixels")
    (kit / "cut.png").write_bytes(_image("PNG", (200, 200), noise=True)[:5_000])
    refused("cut.png", "is not a PNG, JPEG, GIF or WebP image")
    (kit / "logo.bmp").write_bytes(_image("BMP"))
    refused("logo.bmp", "is not a PNG, JPEG, GIF or WebP image")
    refused(str(kit), "is a folder, not a logo image")
    refused("missing.png", "logo image not found")
    if Path("/dev/zero").exists():
        refused("/dev/zero", "not a regular file")
    assert "'report.logo' is ''" in problems(project(kit, "report:\n  logo: ''\n"))


# --- execution.notebook ---------------------------------------------------------------------


def _report_notebook(change: Callable[[dict], object] | None = None) -> str:
    nb = json.loads((REPO / "notebooks" / "project_status.ipynb").read_text(encoding="utf-8"))
    if change:
        change(nb)
    return json.dumps(nb)


def _untag(nb: dict) -> None:
    for cell in nb["cells"]:
        cell["metadata"].pop("tags", None)


def _tag_all(nb: dict) -> None:
    for cell in nb["cells"]:
        cell["metadata"]["tags"] = ["parameters"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"cells": [', "is not notebook JSON (Expecting value on line 1)"),
        ("<html>not a notebook</html>", "is not notebook JSON"),
        ("[1, 2, 3]", "is JSON but not a notebook"),
        ('{"cells": [], "nbformat": 3, "nbformat_minor": 0, "metadata": {}}', "has nbformat 3; expected an nbformat 4"),
        ('{"cells": []}', "has no nbformat version"),
        ('{"cells": "x", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "is not a valid nbformat 4 notebook"),
        (_report_notebook(_untag), "has 0 cells tagged 'parameters'"),
        (_report_notebook(_tag_all), "cells tagged 'parameters'; a report notebook needs exactly one"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (b"\x89PNG\r\n\x1a\n\xff\xfe\x00", "not UTF-8 text"),
    ],
    ids=[
        "truncated",
        "html",
        "list",
        "nbformat-3",
        "no-version",
        "bad-schema",
        "no-parameters",
        "all-parameters",
        "deep",
        "binary",
    ],
)
def test_bad_custom_notebooks_are_params_errors(kit: Path, content: str | bytes, needle: str) -> None:
    nb = kit / "custom.ipynb"
    nb.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    path = project(kit, "execution:\n  notebook: custom.ipynb\n", name="nb.yaml")
    _refused(path, f"{path}: 'execution.notebook' {nb}: ", needle)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
    max_leaves=8,
)


def _subtrees(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += _subtrees(child, (*path, key))
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_notebooks_are_accepted_or_params_errors(hkit: Path, data: st.DataObject) -> None:
    """The kit's report notebook with random subtrees replaced by random JSON: valid, or a
    ParamsError naming the key; never an exception from inside nbformat."""
    nb = json.loads(_report_notebook())
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        where = data.draw(st.sampled_from(_subtrees(nb)), label="where")
        replacement = data.draw(_JSON, label="replacement")
        if not where:
            nb = replacement
            continue
        parent: Any = nb
        for key in where[:-1]:
            parent = parent[key]
        parent[where[-1]] = replacement
    (hkit / "mutant.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    path = project(hkit, "execution:\n  notebook: mutant.ipynb\n", name="mutant.yaml")
    try:
        load_params(path)
    except ParamsError as exc:
        _assert_clean(path, str(exc))
        assert "'execution.notebook'" in str(exc)


def test_notebook_size_and_kind(kit: Path) -> None:
    huge = kit / "huge.ipynb"
    with huge.open("wb") as handle:
        handle.truncate(6_000_000)
    path = project(kit, "execution:\n  notebook: huge.ipynb\n", name="nb.yaml")
    _refused(path, "'execution.notebook'", "is 6 MB; a notebook is at most 5 MB")
    path = project(kit, f"execution:\n  notebook: {kit}\n", name="nb.yaml")
    _refused(path, "'execution.notebook'", "is a folder, not a notebook")
    # the kit's own notebooks pass
    write(kit, "mine.ipynb", _report_notebook())
    assert load_params(project(kit, "execution:\n  notebook: mine.ipynb\n")).notebook == kit / "mine.ipynb"


# --- through the command line: exit 1, one error line, no traceback, nothing written ---------


def _limited(megabytes: int) -> Callable[[], None]:
    def limit() -> None:  # runs in the child before exec: a bomb would hit the limit, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))

    return limit


@pytest.mark.parametrize("command", ["run", "batch"])
def test_cli_refuses_an_alias_bomb_quickly_in_bounded_memory(kit: Path, command: str) -> None:
    """A bomb under a known key, through the real CLI, with 1 GiB of address space and a
    timeout: before the fix it grew past 5 GB and ended in a MemoryError traceback."""
    write(kit, "bomb.yaml", _bomb(levels=12))
    target = "bomb.yaml" if command == "run" else "."
    proc = subprocess.run(
        [*_cli(), command, target, "--output", "out"],
        cwd=kit,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited(1024),
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Traceback" not in output and "MemoryError" not in output
    assert "bomb.yaml: line 2: YAML anchors and aliases (&name, *name) are not allowed" in output
    if command == "run":
        assert proc.stderr.count("error:") == 1 and proc.stdout == "", output
        assert not (kit / "out").exists()


@pytest.mark.parametrize(
    ("text", "files", "needle"),
    [
        (
            "project_id: ALPHA\nworkbook: ../examples/alpha.xlsx\nproject_id: BRAVO\n",
            {},
            "duplicate key 'project_id' on line 1 and line 3",
        ),
        (
            "workbook: ../examples/alpha.xlsx\nreport: {logo: logo.png}\n",
            {"logo.png": b"#!/bin/sh\necho hi\n"},
            "'report.logo'",
        ),
        (
            "workbook: ../examples/alpha.xlsx\nexecution: {notebook: x.ipynb}\n",
            {"x.ipynb": b'{"cells": ['},
            "'execution.notebook'",
        ),
        (
            "workbook: !!python/object/apply:os.system [touch pwned]\n",
            {},
            "'!!python/object/apply:os.system' is not allowed",
        ),
        ("workbook: ../examples/alpha.xlsx\nperiod: '" + "9" * 200_000 + "'\n", {}, "(200,000 characters)"),
    ],
    ids=["duplicate", "logo", "notebook", "tag", "huge-value"],
)
def test_cli_params_nasties_are_one_error_line(kit: Path, text: str, files: dict[str, bytes], needle: str) -> None:
    for name, data in files.items():
        (kit / name).write_bytes(data)
    write(kit, "bad.yaml", text)
    proc = subprocess.run([*_cli(), "run", "bad.yaml"], cwd=kit, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: bad.yaml") and proc.stderr.count("\n") == 1, proc.stderr
    assert needle in proc.stderr
    assert len(proc.stderr) < 400
    assert not (kit / "pwned").exists() and not (kit / "output").exists()
