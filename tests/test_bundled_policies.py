"""Every bundled policy file loads, validates and scores.

The files are found by glob, so a new bundled policy is covered here without a test of its
own: a broken sixth file fails `make test` even before anything else loads it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from seedkit import assert_lines_add_up, seed_path

from ledger.policies import bundled_policy_files, load_bundled_policy, load_policy_file, policy_file_hash
from ledger.policies.registry import bundled_entries
from ledger.projections.scoring import score_track
from ledger.units import Unit

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "ledger" / "policies" / "bundled"
BUNDLED = sorted(p for p in BUNDLED_DIR.glob("*.yaml") if not p.name.endswith(".labels.yaml"))  # labels: beside


def test_the_bundled_policies_are_found_and_listed():
    assert len(BUNDLED) >= 5, BUNDLED
    # what the ledger itself offers (`ledger policy list`) is every file, once per id@version
    assert bundled_policy_files() == BUNDLED
    refs = [e.ref for e in bundled_entries()]
    assert len(refs) == len(set(refs)) == len(BUNDLED), refs


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_policy_loads_validates_and_scores(path: Path):
    # YAML, the policy model and the check against the event catalog
    policy = load_policy_file(path)
    # named <id>[@<version>].yaml, which is how `load_bundled_policy` finds it
    stem_id, _, stem_version = path.stem.partition("@")
    assert stem_id == policy.id
    if stem_version:
        assert int(stem_version) == policy.version
    assert load_bundled_policy(policy.id, policy.version).content_hash == policy_file_hash(path)
    # the registry's cheap header read agrees with the full load
    entry = next(e for e in bundled_entries() if e.ref == policy.ref)
    assert (entry.year, entry.title, entry.sha256) == (policy.year, policy.title, policy_file_hash(path))
    assert entry.policy().ref == policy.ref
    # the working-day calendar of its year is known
    policy.work_calendar().is_workday(dt.date(policy.year, 12, 31))
    # every track compiles and scores a unit of its group with no events, lines adding up
    for track in policy.tracks:
        cards = score_track(policy, track.id, [Unit("u", "u", (track.group,))], {}, dt.date(policy.year, 12, 31))
        assert [c.unit for c in cards] == ["u"], track.id
        assert_lines_add_up(cards)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_policy_sources_name_seed_documents_that_exist(path: Path):
    policy = load_policy_file(path)
    refs = [s.ref for s in policy.sources if s.ref and s.ref.startswith("seeds/")]
    for ref in refs:
        seed_path(ref.removeprefix("seeds/"))  # skips, or fails with LEDGER_REQUIRE_SEEDS=1, when absent
