"""Compile the gettext catalogue (ledger/locale/*/LC_MESSAGES/ledger.po → ledger.mo) with Babel.

    .venv/bin/python scripts/compile_catalog.py          # write the .mo files
    .venv/bin/python scripts/compile_catalog.py --check  # exit 1 if a committed .mo is stale

The .po is the source (edit it; msgids are the English texts in the code, whitespace folded to
single spaces); the compiled .mo is committed so that an installed ledger needs no build step,
and tests/test_i18n.py checks it matches.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "ledger" / "locale"


def compiled(po: Path) -> bytes:
    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        data = compiled(po)
        if check:
            if not mo.is_file() or mo.read_bytes() != data:
                stale.append(str(mo))
        else:
            mo.write_bytes(data)
            print(f"wrote {mo}")
    if stale:
        print("stale (run scripts/compile_catalog.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
