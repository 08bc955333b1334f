"""One schema: headers are spelled once, and the README's field reference is generated from it."""

from __future__ import annotations

import re

from conftest import REPO

from pmoreports.workbook import columns
from pmoreports.workbook.schema import SCHEMA, field_reference_markdown

SRC = REPO / "src" / "pmoreports"


def _all_fields():
    yield from SCHEMA.project.fields
    for grid in SCHEMA.grids:
        yield from grid.row_fields
    for table in SCHEMA.tables:
        yield from table.fields


CONTRACT_MODULES = sorted(
    [SRC / "cli.py", *(p for p in (SRC / "workbook").glob("*.py") if p.name not in ("schema.py", "columns.py"))]
)
"""Modules that write, read or check workbooks (the workbook stage and the CLI): every header they use comes from the schema.
(Reports may use the same English words as labels; where they show a workbook column they
also take its header from the schema.)"""


def test_headers_are_spelled_only_in_the_schema() -> None:
    headers = {f.header for f in _all_fields()}
    assert len(CONTRACT_MODULES) >= 7
    for path in CONTRACT_MODULES:
        text = path.read_text()
        for header in headers:
            assert f'"{header}"' not in text, f"{header!r} spelled again in {path.name}"


def test_frame_columns_come_from_the_columns_module() -> None:
    keys = {v for k, v in vars(columns).items() if k.isupper()}
    assert {f.key for f in _all_fields() if f not in SCHEMA.project.fields} <= keys
    schema_text = (SRC / "workbook" / "schema.py").read_text()
    for key in keys:
        assert not re.search(rf'Field\(\s*"{key}"', schema_text), f"column {key!r} spelled as a string"


def test_readme_field_reference_is_generated() -> None:
    readme = (REPO / "README.md").read_text()
    start, end = "<!-- fields:start -->\n", "<!-- fields:end -->"
    block = readme[readme.index(start) + len(start) : readme.index(end)]
    assert block.strip() == field_reference_markdown().strip(), "run `pmoreports template fields` and paste it"


def test_table_keys_are_fields() -> None:
    for table in SCHEMA.tables:
        assert set(table.key) <= {f.key for f in table.fields}


def test_readme_glossary_is_generated() -> None:
    from pmoreports.metrics.glossary import glossary_markdown

    readme = (REPO / "README.md").read_text()
    start, end = "<!-- glossary:start -->\n", "<!-- glossary:end -->"
    block = readme[readme.index(start) + len(start) : readme.index(end)]
    assert block.strip() == glossary_markdown().strip(), "regenerate the README glossary from glossary_markdown()"
