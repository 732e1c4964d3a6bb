"""``python -m partnerhub`` runs the command line."""

from partnerhub.cli import main

main()
