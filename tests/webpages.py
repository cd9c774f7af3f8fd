"""Every page of the workbench, for every role, on the demo store (issue #34): shared by the
zh guard over the pages (tests/test_zh_guard_web.py) and the phone-width browser check
(tests/test_web_phone.py).

The pages are found in the app's route table, not in a hand list: a GET route without path
parameters is visited as it is; a route with parameters needs its sample values in
``SAMPLES`` (worked out from the store), and a route that is no page (a download, the API,
an image, a zip) its reason in ``NOT_PAGES`` — a new route is reported until it has one or
the other (``unplaced``).

The store is ``ledger demo``'s with, on top: two publications (one with its 通报's 文号), an
open appeal of da-zrj with an evidence file, a decided correction, and one account of each
role (``ACCOUNTS``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from helpers import cli
from webkit import page_csrf

from ledger import accounts
from ledger.app import Ledger

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ACCOUNTS = {"office": ("王科长", "office-secret-1", None), "inspector": ("李督查", "inspector-secret-1", None),
            "unit": ("赵专员", "unit-secret-1", "da-zrj")}
"""Role → (name, password, unit) of the accounts the walk signs in as."""

UNIT = "da-zrj"
"""The unit account's unit: it has an appeal decided and one open, evidence and publications."""


@dataclass
class DemoWorld:
    url: str
    pubs: list[str] = field(default_factory=list)
    appeal: str = ""
    evidence_event: str = "da-zrj-crt-001"


def build(url: str, tmp: Path) -> DemoWorld:
    """The demo store at ``url`` with what the pages need to show everything they can."""
    from evidence_files import pdf

    run = cli(url, "demo")
    assert run.code == 0, run.err
    world = DemoWorld(url)
    for args in (["--policy", "jiangxian-2021", "--period", "2021-06", "--doc-no", "绛营商办〔2021〕6号",
                  "--to", "各成员单位"],
                 ["--policy", "daan-2021", "--as-of", "2022-01-31"]):
        run = cli(url, "publish", *args)
        assert run.code == 0, run.err
        world.pubs.append(re.split(r"[\s:：]", run.out.strip())[0])
    run = cli(url, "appeal", "file", "--unit", UNIT, "--target", "da-zrj-fnd-010", "--grounds", "系统停机所致",
              "--late-override", "材料迟到")
    assert run.code == 0, run.err
    world.appeal = re.split(r"[\s:：]", run.out.strip())[0]
    receipt = tmp / "签收单.pdf"
    receipt.write_bytes(pdf(text="签收单"))
    assert cli(url, "attach", world.evidence_event, str(receipt), "--note", "整改材料").code == 0
    assert cli(url, "attach", world.appeal, str(receipt), "--note", "停机通知").code == 0
    with Ledger(url, actor="管理员") as ledger:
        for role, (name, password, unit) in ACCOUNTS.items():
            accounts.add(ledger, name, role, password, unit=unit)
    return world


# --------------------------------------------------------------------------- the route table

NOT_PAGES: dict[str, str] = {
    "scores_download": "a file in a registered format (xlsx, JSON, CSV, Markdown, HTML)",
    "unit_download": "a file in a registered format (with PDF)",
    "unit_trend": "an SVG image the card shows (its labels are checked in tests/test_web_routes.py)",
    "packet": "a zip (its README is checked by tests/test_zh_guard.py)",
    "evidence": "an evidence file, as uploaded",
    "diff_download": "a file in a registered format",
    "publication_download": "the 通报's documents (checked by tests/test_documents.py)",
    "due_download": "a file in a registered format",
    "api_score": "JSON (the API)", "api_explain": "JSON (the API)", "api_event": "JSON (the API)",
    "api_history": "JSON (the API)", "api_log": "JSON (the API)", "api_due": "JSON (the API)",
    "static": "the style sheet",
    "import_refused": "the refused rows as xlsx (the same file as `ledger import --errors` writes)",
}
"""GET routes that are no page a person reads, each with why."""


def get_routes(app: Any) -> dict[str, str]:
    """Route name → path of every GET route of the app (Starlette's route table)."""
    found: dict[str, str] = {}
    for route in app.routes:
        methods = getattr(route, "methods", None)
        if methods is None or "GET" in methods:
            found.setdefault(route.name, route.path)
    return found


SampleMaker = Callable[["Store"], list[str]]


@dataclass
class Store:
    """What the samples are worked out from."""

    world: DemoWorld
    ledger: Ledger


def _policies(s: Store) -> list[str]:
    return [e.ref for e in s.ledger.policies.entries()]


def _units(s: Store) -> list[str]:
    """One unit of each policy's each track, and the unit account's own (with its lines grouped
    by division once: jilin-kjt-2019's card)."""
    roster = s.ledger.facts.roster()
    chosen: list[str] = []
    for entry in s.ledger.policies.entries():
        policy = entry.policy()
        for track in policy.tracks:
            unit = next((u for u, reg in sorted(roster.items()) if reg.in_group(track.group)), None)
            if unit is not None:
                chosen.append(f"/units/{unit}?policy={policy.ref}&track={track.id}")
    return [f"/units/{UNIT}?policy=daan-2021&as_of=2022-01-31", *chosen,
            "/units/kjt?policy=jilin-kjt-2019&by=division", "/units/kjt?policy=jilin-kjt-2019&by=event"]


def record_ids(ledger: Ledger) -> dict[str, str]:
    """Every record's id in the store, with its type (the first of each type is a sample)."""
    from ledger.web import readers

    head = ledger.head()[0]
    seen: dict[str, str] = {}
    for start in range(1, head + 1, readers.LOG_PAGE):
        for row in readers.revision_log(ledger, str(start), str(start + readers.LOG_PAGE - 1))["rows"]:
            if row["id"]:
                seen.setdefault(row["id"], row["type"])
    return seen


def _events(s: Store) -> list[str]:
    """One event of each type in the store (the first), the unit account's events with evidence
    and appeals, and every event a revision log row names of the ledger's own streams."""
    seen: dict[str, str] = {}
    for ident, kind in record_ids(s.ledger).items():
        seen.setdefault(kind, ident)
    ids = [s.world.evidence_event, "da-zrj-fnd-010", s.world.appeal, *seen.values()]
    return [f"/events/{i}" for i in dict.fromkeys(ids)]


def _scores(s: Store) -> list[str]:
    pages = [f"/scores/{ref}" for ref in _policies(s)]
    return [*pages, "/scores/daan-2021?as_of=2022-01-31&sort=total&dir=desc",
            "/scores/jiangxian-2021?sort=grade"]


SAMPLES: dict[str, SampleMaker] = {
    "policy": lambda s: [f"/policies/{ref}" for ref in _policies(s)],
    "scores": _scores,
    "unit": _units,
    "event": _events,
    "publication": lambda s: [p for pub in s.world.pubs for p in (f"/publications/{pub}",
                                                                    f"/publications/{pub}?check=1")],
    "appeal": lambda s: [f"/appeals/{s.world.appeal}", "/appeals/da-zrj-apl-001",
                         "/appeals/da-zrj-apl-001?policy=daan-2021&as_of=2022-01-31"],
    "diff": lambda s: ["/diff", "/diff?policy=daan-2021&as_of=2022-01-31&known_at=6918",
                       "/diff?since_publication=" + s.world.pubs[-1],
                       "/diff?policy=jingkai-2021&against=jiangxian-2021&as_of=2021-12-31"],
    "due": lambda s: ["/due", "/due?policy=jingkai-2021&as_of=2021-09-28",
                      "/due?policy=jiangxian-2021&as_of=2021-06-20&unit=jx-fgj"],
    "log": lambda s: ["/log", "/log?since=1&until=60"],
    "login": lambda s: ["/login"],
    "import_done": lambda s: ["/import/no-such-preview"],  # an expired preview; a live one: desk_pages
}
"""Route name → its sample pages on the demo store (routes without path parameters that are
not here are visited at their path)."""

ERRORS = ["/units/no-such-unit", "/events/no-such-event", "/appeals/no-such-appeal", "/nowhere",
          "/scores/daan-2021?as_of=not-a-date"]
"""Error pages (404, 400) in the page language."""


def unplaced(routes: dict[str, str]) -> list[str]:
    """GET routes with path parameters that have neither samples nor a reason."""
    return sorted(name for name, path in routes.items()
                  if "{" in path and name not in SAMPLES and name not in NOT_PAGES)


def plan(app: Any, store: Store) -> list[str]:
    """Every page to visit: samples, routes without parameters, error pages."""
    paths: list[str] = []
    for name, path in get_routes(app).items():
        if name in NOT_PAGES:
            continue
        if name in SAMPLES:
            paths += SAMPLES[name](store)
        elif "{" not in path:
            paths.append(path)
    return [*dict.fromkeys(paths), *ERRORS]


def client(app: Any, role: str | None, lang: str = "zh") -> TestClient:
    """A client of the app signed in as ``role``'s account (None: signed out), in ``lang``."""
    c = TestClient(app, follow_redirects=False, headers={"Accept-Language": "zh-CN,zh" if lang == "zh" else "en"})
    if role is not None:
        name, password, _unit = ACCOUNTS[role]
        done = c.post("/login", data={"name": name, "password": password, "csrf": page_csrf(c, "/login"), "next": "/"})
        assert done.status_code == 303, done.text[:300]
    return c


def pages_of(app: Any, store: Store, role: str | None) -> Iterator[tuple[str, int, str]]:
    """(path, status, HTML) of every page of the plan the role gets as HTML (a page it may not
    open answers an error page in its language: that is checked too)."""
    c = client(app, role)
    for path in plan(app, store):
        answer = c.get(path)
        if answer.status_code in (301, 302, 303, 307):
            continue
        if answer.headers.get("content-type", "").startswith("text/html"):
            yield path, answer.status_code, answer.text
    if role == "office":
        yield from desk_pages(c)


IMPORT_SHEET = ("type,unit,date,issuer_level,source,note\n"
                "criticism,jk-fgj,2021-07-01,county,县办〔2021〕7号,迟报\n"
                "criticism,no-such-unit,2021-07-04,county,县办〔2021〕10号,未登记的单位\n"
                "criticism,jk-fgj,2021-13-01,galaxy,县办〔2021〕11号,两处错误\n").encode()
"""A sheet as a clerk might upload it: a good row, an unknown unit, a bad date and level."""


def desk_pages(c: TestClient) -> Iterator[tuple[str, int, str]]:
    """The pages a write answers with (issue #29): an import's preview, and the same preview
    opened again at its address."""
    answer = c.post("/import", data={"csrf": page_csrf(c, "/import")},
                    files={"file": ("登记表.csv", IMPORT_SHEET, "text/csv")})
    assert answer.status_code == 200, answer.text[:300]
    yield "POST /import (登记表.csv)", answer.status_code, answer.text
    preview = re.search(r"/import/([0-9A-Za-z_-]+)/", answer.text)
    assert preview, answer.text[:300]
    again = c.get(f"/import/{preview.group(1)}")
    yield f"/import/{preview.group(1)}", again.status_code, again.text


# --------------------------------------------------------------------------- what a person reads

class _Visible(HTMLParser):
    """A page's text as a person reads it: text outside script and style, and the attributes
    shown (title, alt, placeholder, a button's value). Text in ``<code>`` (a catalogue code
    beside its name, a hash) and ``<input>`` values (what a person typed or will send) are not
    words to translate."""

    SKIP = {"script", "style", "code"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        shown = dict(attrs)
        for name in ("title", "alt", "placeholder", "aria-label"):
            if shown.get(name) and tag != "code":
                self.parts.append(str(shown[name]))
        if tag == "input" and shown.get("type") in ("submit", "button") and shown.get("value"):
            self.parts.append(str(shown["value"]))
        if tag in ("br", "p", "tr", "li", "div", "h1", "h2", "h3", "td", "th", "option", "label"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return re.sub(r"[ \t]+", " ", "".join(parts for parts in parser.parts))
