"""An appeal names only a publication that covers its unit and its targets, and its window
counts from it (issue #29) — the CLI's `appeal file` and the workbench alike.

tests/policies/cli.yaml scores group g (units a, b, c). The clock (China time):
  2022-01-10  P1 = cli-test as of 2021-12-31 (window: 5 working days → last day 2022-01-17);
  2022-01-20  P2 = cli-test as of 2021-03-31: it did not count b-c1 (dated 2021-04-01).
Unit d (group h) is scored by no policy: no publication covers it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import cli
from test_appeals_publication import world  # noqa: F401 - the fixture

from ledger.errors import InputError
from ledger.workflows import appeals, publishing


def test_an_appeal_names_only_a_publication_covering_its_unit_and_targets(world, tmp_path):  # noqa: F811
    ledger, clock, url = world
    clock.set(2022, 1, 10)
    p1, _ = publishing.publish(ledger, "cli-test", as_of=None, period=None, track=None, known_at=None)
    clock.set(2022, 1, 20)
    p2, _ = publishing.publish(ledger, "cli-test", as_of=dt.date(2021, 3, 31), period=None, track=None,
                               known_at=None)
    # P2 is later, but b-c1 (2021-04-01) is not in it: naming it opens no fresh window.
    with pytest.raises(InputError) as refused:
        appeals.file(ledger, "b", ["b-c1"], "重复通报", publication=p2.id)
    assert refused.value.field == "publication" and "b-c1" in str(refused.value) and p2.id in str(refused.value)
    # P1 counted it, but its window ended on 2022-01-17.
    with pytest.raises(InputError) as late:
        appeals.file(ledger, "b", ["b-c1"], "重复通报", publication=p1.id)
    assert "last day 2022-01-17" in str(late.value)
    # Not named: the publication that counted the targets (P1), not the latest (P2).
    with pytest.raises(InputError) as picked:
        appeals.file(ledger, "b", ["b-c1"], "重复通报")
    assert p1.id in str(picked.value) and "last day 2022-01-17" in str(picked.value)
    # An event P2 counted (a-w1, 2021-03-01): P2 is chosen, its window counts from 2022-01-20.
    appeal_id, _, note = appeals.file(ledger, "a", ["a-w1"], "警示对象有误")
    assert appeals.get(ledger, appeal_id).publication == p2.id and "until 2022-01-27" in note
    # An event recorded after P1 was computed is not in P1.
    ledger.record({"type": "criticism", "unit": "b", "date": "2021-10-01", "id": "b-late", "issuer_level": "county"})
    clock.set(2022, 1, 21)
    with pytest.raises(InputError) as later:
        appeals.file(ledger, "b", ["b-late"], "x", publication=p1.id)
    assert "b-late" in str(later.value)
    # A publication that does not cover the unit at all, from the command line, in Chinese (exit 2).
    (tmp_path / "d.csv").write_text("id,name,groups\nd,丁局,h\n", encoding="utf-8")
    ledger.import_units(str(tmp_path / "d.csv"))
    ledger.record({"type": "criticism", "unit": "d", "date": "2021-05-01", "id": "d-c1", "issuer_level": "county"})
    run = cli(url, "--lang", "zh", "appeal", "file", "--unit", "d", "--target", "d-c1", "--grounds", "x",
              "--publication", p1.id)
    assert run.code == 2 and "Traceback" not in run.err
    assert f"字段“--publication”：应为 结果涵盖单位“d”的通报（见 `ledger published`）（实际为 '{p1.id}'）" in run.err, \
        run.err
    run = cli(url, "appeal", "file", "--unit", "b", "--target", "b-c1", "--grounds", "x", "--publication", p2.id)
    assert run.code == 2 and "b-c1" in run.err and p2.id in run.err
    assert [a.id for a in appeals.appeals(ledger)] == [appeal_id]  # nothing else was filed

