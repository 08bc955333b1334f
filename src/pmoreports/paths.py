"""Where things live: the one place that knows the project layout.

Relative paths are resolved against the current directory, so commands work
from a checkout of the kit (the README's quickstart) and from any folder laid
out the same way. Nothing is written outside ``output/`` unless a command is
told to.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ParamsError

__all__ = [
    "BLANK_TEMPLATE_NAME",
    "DEMO_DIR",
    "EXAMPLES_DIR",
    "KIT_ROOT",
    "NOTEBOOKS_DIR",
    "OUTPUT_DIR",
    "PARAMS_DIR",
    "PORTFOLIO_NOTEBOOK",
    "PROJECT_NOTEBOOK",
    "REPORT_CSS",
    "REPORT_TEMPLATE_DIR",
    "TEMPLATES_DIR",
    "blank_template_path",
    "notebook_input",
]

KIT_ROOT = Path(__file__).resolve().parents[2]
"""The checkout the package was installed from (editable install)."""

OUTPUT_DIR = Path("output")
DEMO_DIR = OUTPUT_DIR / "demo"
EXAMPLES_DIR = Path("examples")
PARAMS_DIR = Path("params")
TEMPLATES_DIR = Path("templates")
BLANK_TEMPLATE_NAME = "pmoreports_project_template.xlsx"
NOTEBOOKS_DIR = KIT_ROOT / "notebooks"
PROJECT_NOTEBOOK = NOTEBOOKS_DIR / "project_status.ipynb"
PORTFOLIO_NOTEBOOK = NOTEBOOKS_DIR / "portfolio_summary.ipynb"
REPORT_TEMPLATE_DIR = KIT_ROOT / "templates" / "report"
"""nbconvert templates of the reports (the ``pmo`` template and its print CSS)."""
REPORT_CSS = REPORT_TEMPLATE_DIR / "pmo" / "report.css"


def blank_template_path(root: Path = KIT_ROOT) -> Path:
    """The committed blank template under ``root``."""
    return root / TEMPLATES_DIR / "excel" / BLANK_TEMPLATE_NAME


def notebook_input(path: str | os.PathLike[str], what: str = "parameter file") -> Path:
    """An input a notebook names (``../params``, ``../params/alpha.yaml``), found from any
    working folder: as given when absolute or when it exists relative to the current folder
    (JupyterLab runs a kernel in the notebook's folder), otherwise relative to the kit's
    ``notebooks/`` folder, where the committed notebooks' relative defaults point from
    (papermill runs a kernel wherever it was started). Raises
    :class:`~pmoreports.errors.ParamsError` naming ``what``, the path and every folder tried.
    """
    given = Path(path)
    if given.is_absolute():
        if given.exists():
            return given
        raise ParamsError(f"{what} not found: {given}")
    tried = [Path.cwd(), NOTEBOOKS_DIR]
    for folder in dict.fromkeys(tried):
        if (folder / given).exists():
            return (folder / given).resolve()
    places = " and ".join(str(f) for f in dict.fromkeys(tried))
    raise ParamsError(f"{what} not found: {given} (relative to {places})")
