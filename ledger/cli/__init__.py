"""The `ledger` command line: parse, call the library, render. No domain logic here.

Commands are grouped by what they work on, one module each; importing this package
registers them all (the list below is the one place that names them). Renderings live in
``ledger.reports`` and every ``--format`` offers what the report registered there.
"""

from . import appeals, demo, due, evidence, packets, policies, proofs, publications, records, results, web
from .base import main

__all__ = ["main", "appeals", "demo", "due", "evidence", "packets", "policies", "proofs", "publications", "records",
           "results", "web"]
