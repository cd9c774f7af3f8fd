"""`python cli.py …` runs the same command line as the installed `ledger` script."""

from ledger.cli import main

if __name__ == "__main__":
    main()
