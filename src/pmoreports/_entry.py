"""Console entry point: ``pmoreports`` and ``python -m pmoreports``."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the CLI.

    jsonschema (imported by nbformat and Altair) loads the optional ``rfc3987_syntax``
    plug-in, which compiles a grammar at import and costs about 1 s per command; the
    CLI never validates IRI formats, so the plug-in is kept out of this process.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    from .cli import main as cli

    cli()
