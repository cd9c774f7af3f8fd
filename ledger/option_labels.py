"""How the command line names what an error's field is, per command: ``policy`` is
``--policy`` for ``score``, ``unit`` is ``UNIT`` for ``explain`` and ``--unit`` for ``score``.

Data, not code: the workbench words a route's errors as the route's command does (the API's
errors are the CLI's, WEB.md), and the web never imports the command line to learn how. The
table is checked against the commands' own parameters (tests/test_option_labels.py), so a
renamed option fails a test instead of drifting; a concept not listed keeps its own name.
"""

from __future__ import annotations

OPTION_LABELS: dict[str, dict[str, str]] = {
    "appeal decide": {"appeal": "APPEAL", "corrects": "--correct", "outcome": "--outcome", "reason": "--reason",
        "retracts": "--retract", "reviewer": "--reviewer"},
    "appeal file": {"appeal": "--id", "grounds": "--grounds", "late_override": "--late-override", "publication":
        "--publication", "targets": "--target", "unit": "--unit"},
    "appeal show": {"appeal": "APPEAL", "as_of": "--as-of", "fmt": "--format", "policy": "--policy", "wide":
        "--wide"},
    "attach": {"event": "EVENT", "files": "FILE...", "note": "--note"},
    "diff": {"against_file": "--against-file", "against_known_at": "--against-known-at", "against_ref": "--against",
        "as_of": "--as-of", "fmt": "--format", "known_at": "--known-at", "policy": "--policy", "policy_file":
        "--policy-file", "since": "--since-publication", "track": "--track", "wide": "--wide"},
    "due": {"as_of": "--as-of", "fmt": "--format", "known_at": "--known-at", "no_bom": "--no-bom", "output":
        "--output", "policy": "--policy", "policy_file": "--policy-file", "unit": "--unit", "wide": "--wide",
        "within": "--within"},
    "evidence get": {"output": "--output", "sha256": "SHA256"},
    "explain": {"all_lines": "--all-lines", "as_of": "--as-of", "by": "--by", "fmt": "--format", "known_at":
        "--known-at", "no_bom": "--no-bom", "output": "--output", "policy": "--policy", "policy_file":
        "--policy-file", "track": "--track", "unit": "UNIT", "wide": "--wide"},
    "history": {"fmt": "--format", "unit": "UNIT", "wide": "--wide"},
    "packet": {"as_of": "--as-of", "for_unit": "--for-unit", "known_at": "--known-at", "no_bom": "--no-bom", "output":
        "--output", "pdf": "--pdf", "policy": "--policy", "policy_file": "--policy-file", "track": "--track", "unit":
        "UNIT", "with_evidence": "--with-evidence"},
    "publish": {"as_of": "--as-of", "cc": "--cc", "doc_no": "--doc-no", "issued": "--issued", "known_at":
        "--known-at", "period": "--period", "policy": "--policy", "policy_file": "--policy-file", "to": "--to",
        "track": "--track"},
    "published": {"content": "--content", "fmt": "--format", "output": "--output", "publication": "ID", "wide":
        "--wide"},
    "score": {"as_of": "--as-of", "fmt": "--format", "known_at": "--known-at", "lowest": "--lowest", "no_bom":
        "--no-bom", "output": "--output", "policy": "--policy", "policy_file": "--policy-file", "series": "--series",
        "sort": "--sort", "track": "--track", "unit": "--unit", "wide": "--wide"},
    "users add": {"name": "NAME", "password_file": "--password-file", "role": "--role", "unit": "--unit"},
    "verify-publication": {"file": "FILE", "values_only": "--values-only"},
}
"""command (as typed after ``ledger``) → concept the library names in an error → its label."""


def option_label(command: str, concept: str | None) -> str | None:
    """``concept`` as ``command`` spells it (unchanged when the command has no such option)."""
    if not concept:
        return concept
    return OPTION_LABELS.get(command, {}).get(concept, concept)
