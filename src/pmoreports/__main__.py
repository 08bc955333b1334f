"""``python -m pmoreports`` runs the command line."""

from .cli import main

main()
