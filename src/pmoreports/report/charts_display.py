"""Show Altair charts: interactive in JupyterLab, static SVG inside reports.

In a notebook, end a chart cell with ``show(chart)``. When a report is being
rendered (environment variable ``PMOREPORTS_STATIC=1``, or ``set_static(True)``)
the chart is displayed as a static SVG, so the report needs no JavaScript, no
CDN and no network; otherwise the chart itself is returned and JupyterLab shows
the interactive Altair view. In static mode, importing this module also switches
Altair's renderer to static SVG, so a chart left as a cell's bare last
expression is static too (Altair's default outside JupyterLab is HTML that
loads Vega from a CDN, which a report strips, leaving an empty box).
:func:`warm_up` starts vl-convert's JavaScript engine ahead of the first chart.

Static SVGs are deterministic: text is measured and set in Liberation Sans
(bundled with vl-convert, shipped with the kit for the PDF, and metric-compatible
with Arial/Helvetica, so browsers lay labels out as measured), and element ids are
numbered by position and prefixed with a hash of the chart, never by how many
charts the process converted before.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

import altair as alt
import vl_convert as vlc
from IPython.display import display

__all__ = [
    "CHART_FONT",
    "EMBED_OPTIONS",
    "STATIC_ENV_VAR",
    "is_static",
    "set_static",
    "show",
    "svg_chart",
    "vegalite_svg",
    "warm_up",
]

STATIC_ENV_VAR = "PMOREPORTS_STATIC"
_TRUE = frozenset({"1", "true", "yes", "on"})
_static_override: bool | None = None
# vl-convert names bundled Vega-Lite versions "major.minor"; match Altair's schema.
_VL_VERSION = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REF = re.compile(r'(\bid="|url\(#|href="#)([^")]+)("|\))')
_RENDERER = "pmoreports-static"
CHART_FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
"""Font of chart text: measured by vl-convert with its bundled Liberation Sans, set in
the PDF with the kit's copy, shown by browsers in Arial/Helvetica (same metrics)."""
_CONFIG = {"font": CHART_FONT}
EMBED_OPTIONS: dict[str, Any] = {
    "actions": {"export": True, "source": True, "compiled": True, "editor": False},
    "renderer": "svg",
}
"""How JupyterLab draws an interactive chart: SVG, and a menu without "Open in Vega Editor"
(which would send the chart, project figures included, to an outside site); saving as
SVG/PNG and viewing the spec stay (they are local)."""
_SVG_TEXT = "<IPython.core.display.SVG object>"
"""The plain-text form of a static chart output (what IPython's ``SVG`` display shows)."""
_WARM_SPEC = {"data": {"values": [{"a": 1}]}, "mark": "point", "encoding": {"x": {"field": "a", "type": "ordinal"}}}


def set_static(flag: bool | None) -> None:
    """Force static (True) or interactive (False) charts; None defers to the env var."""
    global _static_override
    _static_override = flag
    _sync_renderer()


def is_static() -> bool:
    """Whether charts are being rendered for a static report."""
    if _static_override is not None:
        return _static_override
    return os.environ.get(STATIC_ENV_VAR, "").strip().lower() in _TRUE


def _namespace_ids(svg: str) -> str:
    """Rename element ids (clip paths, gradients) to ``pmo<hash>-<n>``: numbered in
    order of appearance and prefixed with a hash of the chart, so several charts inlined
    in one HTML page never resolve ``url(#clip1)`` to another chart's definition, and
    the same chart gets the same ids however many charts the process drew before
    (vl-convert numbers them with a process-wide counter)."""
    ids = {name: str(n) for n, name in enumerate(dict.fromkeys(_SVG_ID.findall(svg)))}
    if not ids:
        return svg

    def rename(svg: str, prefix: str) -> str:
        def one(match: re.Match[str]) -> str:
            head, name, tail = match.groups()
            return f"{head}{prefix}{ids[name]}{tail}" if name in ids else match.group(0)

        return _SVG_REF.sub(one, svg)

    digest = hashlib.sha1(rename(svg, "").encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
    return rename(svg, f"pmo{digest}-")


def vegalite_svg(spec: dict[str, Any]) -> str:
    """Render a Vega-Lite spec (dict) to static SVG with vl-convert; see :func:`svg_chart`."""
    svg = vlc.vegalite_to_svg(spec, vl_version=_VL_VERSION, config=_CONFIG, allowed_base_urls=[])
    return _namespace_ids(svg)


def svg_chart(chart: alt.TopLevelMixin, *, validate: bool = False) -> str:
    """Render an Altair chart to a standalone static SVG string with vl-convert.

    Data must be inline (as with pandas DataFrames): fetching data from URLs is
    refused, and the SVG references no font file or URL. The spec is not checked
    against the Vega-Lite JSON schema first (``validate=True`` does; it is about
    40 % of a chart's conversion time, and the kit's charts are valid by
    construction): when vl-convert rejects a spec, the schema check runs then, so
    a custom chart's mistake is still explained by Altair. In JupyterLab every
    chart is validated as it is displayed.
    """
    if validate:
        return vegalite_svg(chart.to_dict())
    try:
        return vegalite_svg(chart.to_dict(validate=False))
    except ValueError:
        chart.to_dict()  # raises Altair's explanation when the spec is invalid
        raise


def warm_up() -> None:
    """Start vl-convert's JavaScript engine and load Vega-Lite now (1-2 s, once per process)
    instead of at the first chart: call it where the wait is free, e.g. in a kernel
    started before its report is due. (Not in a background thread: vl-convert holds the
    GIL while it starts, which would stall the kernel's other work just as long.)"""
    vlc.vegalite_to_svg(_WARM_SPEC, vl_version=_VL_VERSION, config=_CONFIG, allowed_base_urls=[])


def _static_renderer(spec: dict[str, Any], **_: Any) -> dict[str, str]:
    return {"image/svg+xml": vegalite_svg(spec), "text/plain": "<static chart>"}


def _sync_renderer() -> None:
    """Static SVG renderer for every Altair chart in static mode; otherwise the
    ``mimetype`` renderer, which JupyterLab draws with its built-in Vega-Lite 5
    extension, offline (Altair's ``default`` renderer loads Vega from a CDN), with
    :data:`EMBED_OPTIONS`.
    A renderer the user chose is left alone."""
    if is_static():
        alt.renderers.enable(_RENDERER)
    elif alt.renderers.active in (_RENDERER, "default"):
        alt.renderers.enable("mimetype", embed_options=EMBED_OPTIONS)


def show(chart: alt.TopLevelMixin, *, validate: bool = False) -> alt.TopLevelMixin | None:
    """Display ``chart`` as static SVG in report mode (returns None); otherwise return
    the chart so the cell shows it interactively. Use it as a cell's last expression.
    ``validate``: see :func:`svg_chart`."""
    if is_static():
        # the SVG as vl-convert made it: IPython's SVG(...) would parse and re-serialize it
        # with minidom (the same text, at ~10 ms per chart)
        display({"image/svg+xml": svg_chart(chart, validate=validate), "text/plain": _SVG_TEXT}, raw=True)  # type: ignore[no-untyped-call]
        return None
    return chart


def _reuse_altair_converter() -> None:
    """Altair 5 builds the table that maps a schema to its wrapper class (a JSON dump of
    every one of its ~560 schemas) again on each ``from_dict`` call, i.e. for every
    encoding channel of every chart: most of the time it takes to build a report's charts.
    Build it once per set of wrapper classes (vega/altair#3547 proposes the same upstream);
    charts are unchanged. Does nothing when Altair's internals are not as expected."""
    from altair.utils import schemapi

    base: Any = getattr(schemapi, "_FromDict", None)
    if not isinstance(base, type) or getattr(base, "pmoreports_cached", False) or not hasattr(base, "hash_schema"):
        return
    tables: dict[tuple[type, ...], Any] = {}

    class CachedFromDict(base):  # type: ignore[misc, valid-type]
        pmoreports_cached = True

        def __init__(self, wrapper_classes: Any, /) -> None:
            key = tuple(wrapper_classes)
            if key not in tables:
                super().__init__(key)
                tables[key] = getattr(self, "class_dict")  # noqa: B009 - set by the base class
            self.class_dict = tables[key]

    setattr(schemapi, "_FromDict", CachedFromDict)  # noqa: B010 - a private name of Altair


_reuse_altair_converter()
alt.renderers.register(_RENDERER, _static_renderer)
_sync_renderer()
