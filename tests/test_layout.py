"""The package layout shows the data flow, and imports follow it one way.

Stages, in order: workbook -> metrics -> report -> pipeline -> cli. A module may import
its own stage, any earlier stage and the shared top-level modules (errors, paths, _files);
the shared modules import no stage. Function-level (lazy) imports count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

SRC = REPO / "src" / "pmoreports"
STAGES = ("workbook", "metrics", "report", "pipeline", "cli")
SHARED = ("errors", "paths", "_files")
"""Top-level modules every stage may use; they import no stage."""
ENTRY = ("__init__", "__main__", "_entry")
"""The public API and entry points: they may import any stage."""


def _stage_of(module: str) -> str | None:
    """``pmoreports.report.charts`` -> ``report``; ``pmoreports.cli`` -> ``cli``."""
    parts = module.split(".")
    if parts[0] != "pmoreports" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in STAGES else None


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, text: str) -> list[tuple[int, str]]:
    """Every ``pmoreports`` module that ``text`` (the source of ``path``) imports, as absolute
    names, with line numbers."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or target.count(".") < 1:  # `from . import x`: x may be a module
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, t) for line, t in found if t.split(".")[0] == "pmoreports"]


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_every_module_is_in_a_stage_or_shared() -> None:
    for path in _modules():
        rel = path.relative_to(SRC)
        if len(rel.parts) == 1:
            assert rel.stem in (*SHARED, *ENTRY, "cli"), f"{rel}: a new module goes into the stage it serves"
        else:
            assert rel.parts[0] in STAGES, f"{rel}: unknown stage folder"


def _violations(path: Path, text: str) -> list[str]:
    """Imports of ``path`` (source ``text``) that break the one-way rule."""
    rel = path.relative_to(SRC)
    if rel.stem in ENTRY and len(rel.parts) == 1:
        return []
    own = _stage_of(_module_name(path))
    bad = []
    for line, target in _imports(path, text):
        stage = _stage_of(target)
        if own is None and not (stage is None and target.split(".")[1] in SHARED):
            bad.append(f"{rel}:{line} imports {target}; shared modules import no stage")
        elif own is not None and stage is not None and STAGES.index(stage) > STAGES.index(own):
            allowed = ", ".join(STAGES[: STAGES.index(own) + 1] + SHARED)
            bad.append(f"{rel}:{line} imports {target}, a later stage ({own} may import {allowed})")
    return bad


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_one_way(path: Path) -> None:
    assert _violations(path, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("metrics/probe.py", "from ..report import charts\n"),
        ("workbook/probe.py", "def f():\n    from ..pipeline.run import run_project\n"),
        ("report/probe.py", "import pmoreports.pipeline.batch\n"),
        ("paths.py", "from .workbook.schema import SCHEMA\n"),
    ],
)
def test_the_rule_catches_a_backward_import(where: str, source: str) -> None:
    assert len(_violations(SRC / where, source)) == 1


def test_the_rule_allows_earlier_stages() -> None:
    source = "from ..workbook import columns as C\nfrom ..metrics.evm import Metric\nfrom .._files import x\n"
    assert _violations(SRC / "report" / "probe.py", source) == []
