"""Show Altair charts: interactive in JupyterLab, static SVG inside reports.

In a notebook, end a chart cell with ``show(chart)``. When a report is being
rendered (environment variable ``PMOREPORTS_STATIC=1``, or ``set_static(True)``)
the chart is displayed as a static SVG, so the report needs no JavaScript, no
CDN and no network; otherwise the chart itself is returned and JupyterLab shows
the interactive Altair view. In static mode, importing this module also switches
Altair's renderer to static SVG, so a chart left as a cell's bare last
expression is static too (Altair's default outside JupyterLab is HTML that
loads Vega from a CDN, which a report strips, leaving an empty box).
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

import altair as alt
import vl_convert as vlc
from IPython.core.display import SVG
from IPython.display import display

__all__ = ["STATIC_ENV_VAR", "is_static", "set_static", "show", "svg_chart", "vegalite_svg"]

STATIC_ENV_VAR = "PMOREPORTS_STATIC"
_TRUE = frozenset({"1", "true", "yes", "on"})
_static_override: bool | None = None
# vl-convert names bundled Vega-Lite versions "major.minor"; match Altair's schema.
_VL_VERSION = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_RENDERER = "pmoreports-static"


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
    """Prefix element ids (clip paths, gradients) so several charts inlined in one
    HTML page do not resolve ``url(#clip1)`` to another chart's definition."""
    ids = set(_SVG_ID.findall(svg))
    if not ids:
        return svg
    prefix = "pmo" + hashlib.sha1(svg.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]

    def rename(match: re.Match[str]) -> str:
        head, name, tail = match.groups()
        return f"{head}{prefix}-{name}{tail}" if name in ids else match.group(0)

    return re.sub(r'(\bid="|url\(#|href="#)([^")]+)("|\))', rename, svg)


def vegalite_svg(spec: dict[str, Any]) -> str:
    """Render a Vega-Lite spec (dict) to static SVG with vl-convert; see :func:`svg_chart`."""
    svg = vlc.vegalite_to_svg(spec, vl_version=_VL_VERSION, allowed_base_urls=[])
    return _namespace_ids(svg)


def svg_chart(chart: alt.TopLevelMixin) -> str:
    """Render an Altair chart to a standalone static SVG string with vl-convert.

    Data must be inline (as with pandas DataFrames): fetching data from URLs is
    refused, and the SVG references no font or URL (text uses the viewer's fonts).
    """
    return vegalite_svg(chart.to_dict())


def _static_renderer(spec: dict[str, Any], **_: Any) -> dict[str, str]:
    return {"image/svg+xml": vegalite_svg(spec), "text/plain": "<static chart>"}


def _sync_renderer() -> None:
    """Static SVG renderer for every Altair chart in static mode; otherwise the
    ``mimetype`` renderer, which JupyterLab draws with its built-in Vega-Lite 5
    extension, offline (Altair's ``default`` renderer loads Vega from a CDN).
    A renderer the user chose is left alone."""
    if is_static():
        alt.renderers.enable(_RENDERER)
    elif alt.renderers.active in (_RENDERER, "default"):
        alt.renderers.enable("mimetype")


def show(chart: alt.TopLevelMixin) -> alt.TopLevelMixin | None:
    """Display ``chart`` as static SVG in report mode (returns None); otherwise return
    the chart so the cell shows it interactively. Use it as a cell's last expression."""
    if is_static():
        display(SVG(data=svg_chart(chart)))  # type: ignore[no-untyped-call]
        return None
    return chart


alt.renderers.register(_RENDERER, _static_renderer)
_sync_renderer()
