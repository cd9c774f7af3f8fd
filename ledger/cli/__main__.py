"""`python -m ledger.cli …` runs the same command line as the installed `ledger` script."""

from . import main

main()
