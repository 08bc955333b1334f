"""Report parameter files: YAML per project, merged over shared defaults, validated.

A project file (``params/alpha.yaml``) names the workbook and may override any
default from ``_defaults.yaml`` in the same folder (deep merge: a nested key
replaces only that key). Everything is validated before a kernel starts:
unknown keys (with a did-you-mean), wrong types, bad periods, formats and page
sizes, and missing workbook files are reported together, each with the file
and the key.

Relative paths (``workbook``, ``report.logo``) are relative to the file that
sets them.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import ParamsError
from ..metrics.rag import RagThresholds

__all__ = [
    "DEFAULTS_NAME",
    "FORMATS",
    "ProjectParams",
    "check_overrides",
    "load_params",
    "params_files",
    "params_from_dict",
]

DEFAULTS_NAME = "_defaults.yaml"
FORMATS = ("html", "pdf")
_MIN_TIMEOUT = 5
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

BUILTIN_DEFAULTS: dict[str, Any] = {
    "project_id": None,
    "workbook": None,
    "period": None,
    "formats": list(FORMATS),
    "report": {"title": "Project status report", "author": "PMO", "logo": None, "page_size": "A4"},
    "charts": {"width": 640, "height": 260},
    "rag": {},
    "metrics": {"burn_rate_months": 3, "top_risks": 5},
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
        return {"thresholds": self.rag, "burn_months": self.burn_rate_months, "top_n": self.top_risks}

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
        problems.append(f"--period is {period!r}; expected a month as YYYY-MM")
    if formats is not None and (not formats or any(f not in FORMATS for f in formats)):
        problems.append(f"--format is {','.join(formats) or 'empty'}; expected a list from {','.join(FORMATS)}")
    if timeout is not None and not timeout >= _MIN_TIMEOUT:
        problems.append(f"--timeout is {timeout}; expected a whole number >= {_MIN_TIMEOUT}")
    if problems:
        raise ParamsError("\n".join(problems))


def params_files(folder: Path) -> list[Path]:
    """Project parameter files in ``folder`` (``*.yaml``/``*.yml``, not ``_defaults``)."""
    files = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
    return sorted(p for p in files if not p.name.startswith("_"))


def load_params(path: str | Path, defaults: str | Path | None = None) -> ProjectParams:
    """Load ``path`` merged over ``defaults`` (default: ``_defaults.yaml`` beside it)."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: parameter file not found")
    defaults = Path(defaults) if defaults else path.parent / DEFAULTS_NAME
    merged = copy.deepcopy(BUILTIN_DEFAULTS)
    origin: dict[str, Path] = {}
    problems: list[str] = []
    for source in ([defaults] if defaults.is_file() else []) + [path]:
        _merge(merged, _read_yaml(source), source, origin, "", problems)
    return _validate(merged, path, origin, problems)


def params_from_dict(values: Mapping[str, Any], source: str = "<parameters>") -> ProjectParams:
    """Validate an already merged mapping (what the runner injects into a notebook)."""
    merged = copy.deepcopy(BUILTIN_DEFAULTS)
    origin: dict[str, Path] = {}
    problems: list[str] = []
    _merge(merged, dict(values), Path(source), origin, "", problems)
    return _validate(merged, Path(source), origin, problems)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ParamsError(f"{path}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError(f"{path}: cannot be read ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected 'key: value' lines, found a {type(data).__name__}")
    return data


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
            close = difflib.get_close_matches(str(key), [str(k) for k in into], n=1)
            hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
            problems.append(f"{source}: unknown key '{name}'{hint}")
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
                problems.append(f"{source}: '{name}' must be a mapping of keys, got {value!r}")
                continue
            _merge(into[key], value, source, origin, f"{name}.", problems)
        else:
            into[key] = value
            origin[name] = source


def _validate(v: dict[str, Any], path: Path, origin: dict[str, Path], problems: list[str]) -> ProjectParams:

    def check(key: str, value: Any, test: Callable[[Any], bool], expected: str) -> Any:
        if not test(value):
            where = origin.get(key, path)
            problems.append(f"{where}: '{key}' is {value!r}; expected {expected}")
        return value

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
        problems.append(f"{origin.get('workbook', path)}: 'workbook' file not found: {book}")
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
    logo = report["logo"]
    check(
        "report.logo",
        logo,
        lambda x: x is None or (isinstance(x, str) and rel("report.logo", x).is_file()),
        "null or the path of an existing image file",
    )
    for key, value, low in (
        ("charts.width", charts["width"], 200),
        ("charts.height", charts["height"], 100),
        ("metrics.burn_rate_months", metrics["burn_rate_months"], 1),
        ("metrics.top_risks", metrics["top_risks"], 1),
        ("execution.timeout", execution["timeout"], _MIN_TIMEOUT),
    ):
        check(key, value, _at_least(low), f"a whole number >= {low}")
    custom = execution["notebook"]
    check(
        "execution.notebook",
        custom,
        lambda x: x is None or (isinstance(x, str) and rel("execution.notebook", x).is_file()),
        "null or the path of an existing .ipynb file",
    )
    try:
        rag = RagThresholds.from_dict(v["rag"], where=f"{origin.get('rag', path)}: rag")
    except ParamsError as exc:
        problems.append(str(exc))
        rag = RagThresholds()
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
        timeout=execution["timeout"],
        notebook=rel("execution.notebook", custom) if custom else None,
    )


def _is_text(x: Any) -> bool:
    return isinstance(x, str) and x.strip() != ""


def _at_least(low: int) -> Callable[[Any], bool]:
    return lambda x: _is_int(x) and x >= low


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)
