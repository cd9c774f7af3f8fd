"""Evidence files (佐证材料): what a file is, judged by its content (``kinds``), before the ledger
keeps it. Keeping (``ledger.store.evidence``), attaching and withdrawing
(``ledger.workflows.evidence``) and where files show (``ledger.projections.evidence``) live with
their layers; docs/evidence.md tells the whole story."""
