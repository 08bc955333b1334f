"""Report parameter files: YAML per project, merged over shared defaults, validated.

A project file (``params/alpha.yaml``) names the workbook and may override any
default from ``_defaults.yaml`` in the same folder (deep merge: a nested key
replaces only that key). Everything is validated before a kernel starts:
unknown keys (with a did-you-mean), wrong types, bad periods, formats and page
sizes, and missing workbook files are reported together, each with the file
and the key.

Relative paths (``workbook``, ``report.logo``) are relative to the file that
sets them.

Every file is read safely (:mod:`pmoreports.report._yaml`: size cap, no aliases or
tags, duplicate keys refused with both lines). ``report.logo`` must be a PNG, JPEG,
GIF or WebP image (sniffed from its bytes, at most :data:`MAX_LOGO_BYTES` and
:data:`MAX_LOGO_SIDE` pixels a side); SVG is refused, as it can carry scripts and
references to other hosts. ``execution.notebook`` must be an nbformat 4 notebook
(at most :data:`MAX_NOTEBOOK_BYTES`) with exactly one cell tagged ``parameters``.
Values quoted in messages are cut to about 80 characters.
"""

from __future__ import annotations

import copy
import difflib
import io
import json
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from ..errors import ParamsError, shown
from ..metrics.rag import RagThresholds
from ..metrics.variances import VarianceThresholds
from ._yaml import Refused, format_size, load_yaml, read_capped

__all__ = [
    "DEFAULTS_NAME",
    "FORMATS",
    "LOGO_TYPES",
    "MAX_LOGO_BYTES",
    "MAX_LOGO_SIDE",
    "MAX_NOTEBOOK_BYTES",
    "ProjectParams",
    "check_overrides",
    "load_params",
    "logo_image",
    "params_files",
    "params_from_dict",
]

DEFAULTS_NAME = "_defaults.yaml"
FORMATS = ("html", "pdf")
_MIN_TIMEOUT, _MAX_TIMEOUT = 5, 86_400
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

LOGO_TYPES: Final = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
"""Image types ``report.logo`` may have (as Pillow names them), with the MIME type it is embedded as."""
MAX_LOGO_BYTES: Final = 1_000_000
"""Largest logo file, in bytes: it is embedded in every emailed report."""
MAX_LOGO_SIDE: Final = 4_000
"""Largest logo width and height, in pixels (it is shown about 40 pixels high)."""
MAX_NOTEBOOK_BYTES: Final = 5_000_000
"""Largest custom report notebook (``execution.notebook``), in bytes."""
_LOGO_EXPECTED = f"expected a PNG, JPEG, GIF or WebP image of at most {format_size(MAX_LOGO_BYTES)}"

BUILTIN_DEFAULTS: dict[str, Any] = {
    "project_id": None,
    "workbook": None,
    "period": None,
    "formats": list(FORMATS),
    "report": {"title": "Project status report", "author": "PMO", "logo": None, "page_size": "A4"},
    "charts": {"width": 640, "height": 260},
    "rag": {},
    "metrics": {"burn_rate_months": 3, "top_risks": 5},
    "variance": VarianceThresholds().to_dict(),
    "execution": {"timeout": 600, "notebook": None},
}
"""Every key a parameter file may set, with the kit's defaults."""


@dataclass(frozen=True)
class ProjectParams:
    """Validated parameters of one project report.

    ``period`` is ``YYYY-MM`` or ``None`` (take the workbook's status month);
    ``timeout`` is seconds per notebook cell; chart sizes are pixels; ``notebook``
    is a custom report notebook (``None``: the kit's ``notebooks/project_status.ipynb``).
    """

    source: str
    workbook: Path
    project_id: str | None = None
    period: str | None = None
    formats: tuple[str, ...] = FORMATS
    title: str = "Project status report"
    author: str = "PMO"
    logo: Path | None = None
    page_size: str = "A4"
    chart_width: int = 640
    chart_height: int = 260
    rag: RagThresholds = field(default_factory=RagThresholds)
    burn_rate_months: int = 3
    top_risks: int = 5
    variance: VarianceThresholds = field(default_factory=VarianceThresholds)
    timeout: int = 600
    notebook: Path | None = None

    def with_overrides(
        self, *, period: str | None = None, formats: Sequence[str] | None = None, timeout: int | None = None
    ) -> ProjectParams:
        """These parameters with command-line overrides, validated like the file's values."""
        check_overrides(period=period, formats=formats, timeout=timeout)
        changes: dict[str, Any] = {"period": period, "formats": tuple(dict.fromkeys(formats or ())), "timeout": timeout}
        return replace(self, **{k: v for k, v in changes.items() if v})

    def metrics_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`pmoreports.metrics.project_metrics` set by these parameters."""
        return {
            "thresholds": self.rag,
            "burn_months": self.burn_rate_months,
            "top_n": self.top_risks,
            "variance": self.variance,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain, YAML/JSON-ready form (the shape of a parameter file), used to inject
        the parameters into the notebook and to fingerprint a run."""
        return {
            "project_id": self.project_id,
            "workbook": str(self.workbook),
            "period": self.period,
            "formats": list(self.formats),
            "report": {
                "title": self.title,
                "author": self.author,
                "logo": str(self.logo) if self.logo else None,
                "page_size": self.page_size,
            },
            "charts": {"width": self.chart_width, "height": self.chart_height},
            "rag": dict(vars(self.rag)),
            "metrics": {"burn_rate_months": self.burn_rate_months, "top_risks": self.top_risks},
            "variance": self.variance.to_dict(),
            "execution": {
                "timeout": self.timeout,
                "notebook": str(self.notebook) if self.notebook else None,
            },
        }


def check_overrides(
    *, period: str | None = None, formats: Sequence[str] | None = None, timeout: int | None = None
) -> None:
    """Raise :class:`ParamsError` listing every bad command-line override."""
    problems = []
    if period is not None and not _PERIOD.match(period):
        problems.append(f"--period is {shown(period)}; expected a month as YYYY-MM")
    if formats is not None and (not formats or any(f not in FORMATS for f in formats)):
        problems.append(f"--format is {','.join(formats) or 'empty'}; expected a list from {','.join(FORMATS)}")
    if timeout is not None and not _MIN_TIMEOUT <= timeout <= _MAX_TIMEOUT:
        problems.append(
            f"--timeout is {shown(timeout)}; expected a whole number from {_MIN_TIMEOUT} to {_MAX_TIMEOUT:,}"
        )
    if problems:
        raise ParamsError("\n".join(problems))


def params_files(folder: Path) -> list[Path]:
    """Project parameter files in ``folder`` (``*.yaml``/``*.yml``, not ``_defaults``)."""
    files = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
    return sorted(p for p in files if not p.name.startswith("_"))


def load_params(path: str | Path, defaults: str | Path | None = None) -> ProjectParams:
    """Load ``path`` merged over ``defaults`` (default: ``_defaults.yaml`` beside it, when there is one)."""
    path = Path(path)
    if path.is_dir():
        raise ParamsError(f"{path}: is a folder, not a parameter file (to run every project in it: pmoreports batch)")
    defaults = Path(defaults) if defaults else path.parent / DEFAULTS_NAME
    sources = [defaults] if defaults.exists() or defaults.is_symlink() else []
    merged = copy.deepcopy(BUILTIN_DEFAULTS)
    origin: dict[str, Path] = {}
    problems: list[str] = []
    files = {source: load_yaml(source) for source in [path, *sources]}  # the project file's problems first
    for source in [*sources, path]:
        _merge(merged, files[source], source, origin, "", problems)
    return _validate(merged, path, origin, problems)


def params_from_dict(values: Mapping[str, Any], source: str = "<parameters>") -> ProjectParams:
    """Validate an already merged mapping (what the runner injects into a notebook)."""
    merged = copy.deepcopy(BUILTIN_DEFAULTS)
    origin: dict[str, Path] = {}
    problems: list[str] = []
    _merge(merged, dict(values), Path(source), origin, "", problems)
    return _validate(merged, Path(source), origin, problems)


def _merge(
    into: dict[str, Any],
    new: Mapping[str, Any],
    source: Path,
    origin: dict[str, Path],
    prefix: str,
    problems: list[str],
) -> None:
    """Deep-merge ``new`` into ``into``; unknown keys (with a did-you-mean) and
    non-mapping sections are appended to ``problems``, so every one is reported."""
    for key, value in new.items():
        name = f"{prefix}{key}"
        if key not in into:
            close = difflib.get_close_matches(str(key)[:100], [str(k) for k in into], n=1)
            hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
            problems.append(f"{source}: unknown key {_key(name)}{hint}")
        elif key == "rag" and not prefix:
            # Threshold names are checked by RagThresholds.from_dict; merge them key by key
            # so a project overriding one threshold keeps the others from _defaults.yaml.
            if isinstance(into[key], Mapping) and isinstance(value, Mapping):
                into[key] = {**into[key], **value}
            else:
                into[key] = value
            origin[name] = source
        elif isinstance(into[key], dict):
            if not isinstance(value, Mapping):
                problems.append(f"{source}: '{name}' must be a mapping of keys, got {shown(value)}")
                continue
            _merge(into[key], value, source, origin, f"{name}.", problems)
        else:
            into[key] = value
            origin[name] = source


def _validate(v: dict[str, Any], path: Path, origin: dict[str, Path], problems: list[str]) -> ProjectParams:

    def check(key: str, value: Any, test: Callable[[Any], bool], expected: str) -> Any:
        if not test(value):
            where = origin.get(key, path)
            problems.append(f"{where}: '{key}' is {shown(value)}; expected {expected}")
        return value

    def _check_file(key: str, file: Path, test: Callable[[Path], object], expected: str) -> None:
        try:
            test(file)
        except Refused as exc:
            tail = f"; {expected}" if expected else ""
            problems.append(f"{origin.get(key, path)}: '{key}' {_path(file)}: {exc}{tail}")

    def rel(key: str, value: str) -> Path:
        base = origin.get(key, path).parent
        return (base / value).resolve() if not Path(value).is_absolute() else Path(value)

    workbook = check(
        "workbook",
        v["workbook"],
        lambda x: isinstance(x, str) and x != "",
        "the path of the project's .xlsx workbook",
    )
    book = rel("workbook", workbook) if isinstance(workbook, str) and workbook else Path()
    if isinstance(workbook, str) and workbook and not book.is_file():
        problems.append(f"{origin.get('workbook', path)}: 'workbook' file not found: {_path(book)}")
    check(
        "project_id",
        v["project_id"],
        lambda x: x is None or (isinstance(x, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", x) is not None),
        "a project ID such as ALPHA",
    )
    check(
        "period",
        v["period"],
        lambda x: x is None or (isinstance(x, str) and _PERIOD.match(x) is not None),
        "a month as 'YYYY-MM' in quotes, e.g. '2026-10', or null",
    )
    formats = check(
        "formats",
        v["formats"],
        lambda x: isinstance(x, list) and x != [] and all(f in FORMATS for f in x),
        f"a list from {list(FORMATS)}",
    )
    report, charts, metrics, execution = v["report"], v["charts"], v["metrics"], v["execution"]
    check("report.title", report["title"], _is_text, "text")
    check("report.author", report["author"], _is_text, "text")
    check("report.page_size", report["page_size"], lambda x: x in ("A4", "Letter"), "A4 or Letter")
    logo = check("report.logo", report["logo"], _is_path_or_none, "null or the path of a logo image")
    if isinstance(logo, str) and logo:
        _check_file("report.logo", rel("report.logo", logo), logo_image, _LOGO_EXPECTED)
    for key, value, (low, high) in (
        ("charts.width", charts["width"], (200, 4_000)),
        ("charts.height", charts["height"], (100, 4_000)),
        ("metrics.burn_rate_months", metrics["burn_rate_months"], (1, 120)),
        ("metrics.top_risks", metrics["top_risks"], (1, 1_000)),
        ("execution.timeout", execution["timeout"], (_MIN_TIMEOUT, _MAX_TIMEOUT)),
    ):
        check(key, value, _between(low, high), f"a whole number from {low} to {high:,}")
    custom = check("execution.notebook", execution["notebook"], _is_path_or_none, "null or the path of a .ipynb file")
    if isinstance(custom, str) and custom:
        _check_file("execution.notebook", rel("execution.notebook", custom), _check_notebook, "")
    try:
        rag = RagThresholds.from_dict(v["rag"], where=f"{origin.get('rag', path)}: rag")
    except ParamsError as exc:
        problems.append(str(exc))
        rag = RagThresholds()
    try:
        variance = VarianceThresholds.from_dict(v["variance"])
    except ParamsError as exc:
        for line in str(exc).splitlines():
            key = line.split(":", 1)[0].split(" ", 1)[0]
            problems.append(f"{origin.get(key, path)}: {line}")
        variance = VarianceThresholds()
    if problems:
        raise ParamsError("\n".join(problems))
    return ProjectParams(
        source=str(path),
        workbook=book,
        project_id=v["project_id"],
        period=v["period"],
        formats=tuple(dict.fromkeys(formats)),
        title=report["title"],
        author=report["author"],
        logo=rel("report.logo", logo) if logo else None,
        page_size=report["page_size"],
        chart_width=charts["width"],
        chart_height=charts["height"],
        rag=rag,
        burn_rate_months=metrics["burn_rate_months"],
        top_risks=metrics["top_risks"],
        variance=variance,
        timeout=execution["timeout"],
        notebook=rel("execution.notebook", custom) if custom else None,
    )


def logo_image(path: Path) -> tuple[str, bytes]:
    """The MIME type and bytes of the logo image ``path``, its type sniffed from its bytes.

    Raises :class:`~pmoreports.report._yaml.Refused` (why, without the file name) for
    anything but a PNG, JPEG, GIF or WebP image of at most :data:`MAX_LOGO_BYTES` bytes
    and :data:`MAX_LOGO_SIDE` pixels a side.
    """
    from PIL import Image

    data = read_capped(path, MAX_LOGO_BYTES, "logo image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: the size is checked below
            with Image.open(io.BytesIO(data), formats=list(LOGO_TYPES)) as image:
                kind, (width, height) = str(image.format), image.size
                image.verify()
    except Exception:  # Pillow raises many types on bytes it cannot decode; all mean "not an image"
        raise Refused(_not_an_image(data)) from None
    if max(width, height) > MAX_LOGO_SIDE:
        raise Refused(f"is {width:,} x {height:,} pixels; a logo is at most {MAX_LOGO_SIDE:,} pixels a side")
    return LOGO_TYPES[kind], data


def _not_an_image(data: bytes) -> str:
    head = data[:4096].lstrip().lower()
    if b"<svg" in head:
        return "is an SVG drawing, which can carry scripts and links to other hosts; export the logo as PNG"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "is not a PNG, JPEG, GIF or WebP image"
    return "is a text file, not an image"


def _check_notebook(path: Path) -> None:
    """Raise :class:`Refused` unless ``path`` is an nbformat 4 notebook with one cell tagged ``parameters``."""
    import nbformat

    data = read_capped(path, MAX_NOTEBOOK_BYTES, "notebook")
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Refused("is not a notebook (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise Refused(f"is not notebook JSON ({exc.msg} on line {exc.lineno})") from None
    except RecursionError:
        raise Refused("is not notebook JSON (nested too deeply)") from None
    if not isinstance(nb, dict) or "cells" not in nb:
        raise Refused("is JSON but not a notebook (it has no 'cells')")
    if nb.get("nbformat") != 4:
        found = f"nbformat {shown(nb['nbformat'])}" if "nbformat" in nb else "no nbformat version"
        raise Refused(f"has {found}; expected an nbformat 4 notebook (open and save it in JupyterLab)")
    cells = nb["cells"]
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise Refused("is not a valid nbformat 4 notebook ('cells' is not a list of cells)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing cell ids are repaired by papermill, not an error
            nbformat.validate(nb)  # type: ignore[no-untyped-call]
    except nbformat.ValidationError as exc:
        raise Refused(f"is not a valid nbformat 4 notebook ({_first_line(exc.message)})") from None
    except RecursionError:
        raise Refused("is not a valid nbformat 4 notebook (nested too deeply)") from None
    except Exception:  # nbformat's validator trips over some malformed notebooks itself
        raise Refused("is not a valid nbformat 4 notebook") from None
    tagged = sum("parameters" in cell.get("metadata", {}).get("tags", []) for cell in nb["cells"])
    if tagged != 1:
        raise Refused(
            f"has {tagged} cells tagged 'parameters'; a report notebook needs exactly one "
            "(the cell where the run injects the project's parameters)"
        )


def _first_line(text: str, limit: int = 120) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= limit else f"{line[:limit]}…"


def _path(path: Path) -> str:
    """A path for a message: as it is, or cut like any value when it is absurdly long."""
    text = str(path)
    return text if len(text) <= 200 else shown(text, 200)


def _key(name: str) -> str:
    return f"'{name}'" if len(name) <= 80 else shown(name)


def _is_path_or_none(x: Any) -> bool:
    return x is None or (isinstance(x, str) and x.strip() != "")


def _is_text(x: Any) -> bool:
    return isinstance(x, str) and x.strip() != ""


def _between(low: int, high: int) -> Callable[[Any], bool]:
    return lambda x: _is_int(x) and low <= x <= high


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)
