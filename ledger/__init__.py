"""ledger: an audit ledger for business-environment (营商环境) assessments.

Every fact about an assessed unit is an immutable event in that unit's stream; scores are
projections that replay the facts through a year's policy, so any score can be rebuilt and
explained as of any date and as known at any revision.
"""

__version__ = "0.1.0"
