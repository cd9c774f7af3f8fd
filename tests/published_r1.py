"""A store whose publications' documents were rendered by renderer version 1 (the ledger at
commit d860f45, before the 通报 of issue #27) and committed in tests/fixtures/published-r1/.

The store is rebuilt in every test on either backend, byte for byte the same as when the
documents were made: the same records (five jingkai units and their sample-year events, ids
given; the roster's record ids, random otherwise, numbered), written by the same actor at
fixed clock times, so every revision, chain hash,
publication id and recorded time comes out the same. The committed documents must keep
verifying against it (`ledger verify-publication`) whatever renderer the ledger has now.

``python tests/published_r1.py`` made the documents (kept for the record: running it with a
later renderer writes that renderer's documents, not version 1's).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from pathlib import Path
from unittest import mock

from ledger.app import Ledger

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "published-r1"
CHINA = dt.timezone(dt.timedelta(hours=8))
DOCUMENTS = {"score.html": ("score", "html"), "score.xlsx": ("score", "xlsx"), "score.pdf": ("score", "pdf"),
             "bulletin.html": ("bulletin", "html"), "bulletin.pdf": ("bulletin", "pdf")}
"""The committed documents: file name → (publication, format); all rendered in Chinese."""


class Clock:
    def __init__(self, moment: dt.datetime):
        self.now = moment

    def __call__(self) -> dt.datetime:
        return self.now


def publish_r1(ledger: Ledger, as_of: dt.date, period: str | None) -> str:
    """A publication recorded as the ledger recorded them before renderer 2 (its params name
    the policy's hash only: no renderer, no document words) — the code of d860f45's
    ``publishing.publish``, kept here so that the log is the one the documents were made in
    (less the checkpoint it also stored beside the log, which no document depends on)."""
    import hashlib

    from ledger.events import codec
    from ledger.events.catalog import validate
    from ledger.store.eventstore import Pending
    from ledger.workflows import publishing

    kind = "bulletin" if period else "score"
    policy, policy_sha = publishing._pin_policy(ledger, "jingkai-2021", as_of)
    view = ledger.view(None)
    known, head = view.head
    content = publishing.render_result(view, kind, policy, as_of, period, None)
    content_sha = hashlib.sha256(content.encode()).hexdigest()
    key = f"{kind}|{policy.ref}|{policy_sha}|{as_of}|{period}|{None}|{known}|{content_sha}"
    pub_id = "pub-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    event = validate({"type": "result_published", "id": pub_id, "date": ledger.today().isoformat(),
                      "kind": kind, "policy": policy.ref, "as_of": as_of, "period": period, "track": None,
                      "known_at": known, "head": head, "content_sha256": content_sha,
                      "params": {"policy_sha256": policy_sha}}, internal=True)
    text, digest = codec.encode_event(event)
    with ledger.store.write(ledger.actor) as writer:
        writer.append([Pending(pub_id, "result_published", publishing.STREAM, text, digest, ledger.actor)])
    return pub_id


def build(url: str) -> tuple[Ledger, dict[str, str]]:
    """The store (open) and its two publications, recorded as before renderer 2: the June 2021
    bulletin published on 2021-07-05, the score table as of 2022-01-31 published on 2022-02-08."""

    clock = Clock(dt.datetime(2021, 7, 5, 9, tzinfo=CHINA))
    ledger = Ledger(url, actor="office", clock=clock)
    ledger.init()
    numbers = itertools.count(1)
    with mock.patch.object(uuid, "uuid4", lambda: uuid.UUID(int=next(numbers))):  # the units' record ids
        ledger.import_units(str(FIXTURE / "units.csv"))
    ledger.import_file(str(FIXTURE / "events.jsonl"))
    clock.now = dt.datetime(2021, 7, 5, 10, tzinfo=CHINA)
    bulletin = publish_r1(ledger, dt.date(2021, 6, 30), "2021-06")
    clock.now = dt.datetime(2022, 2, 8, 10, tzinfo=CHINA)
    score = publish_r1(ledger, dt.date(2022, 1, 31), None)
    return ledger, {"score": score, "bulletin": bulletin}


def render_all(folder: Path) -> None:  # pragma: no cover - run once, by hand
    import tempfile

    from ledger import i18n
    from ledger.reports import formats
    from ledger.workflows import publishing

    with tempfile.TemporaryDirectory() as tmp:
        ledger, pubs = build(f"sqlite:///{tmp}/r1.db")
        with ledger, i18n.speaking("zh"):
            for name, (which, fmt) in DOCUMENTS.items():
                doc = publishing.document(ledger, publishing.find(ledger, pubs[which]))
                data = formats.render("publication", fmt, doc)
                (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
        print(pubs)


if __name__ == "__main__":  # pragma: no cover
    render_all(FIXTURE)
