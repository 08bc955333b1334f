"""``python -m pmoreports`` runs the command line."""

from ._entry import main

main()
