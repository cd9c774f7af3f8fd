"""A realistic synthetic assessment year: thousands of units, every event type, hotline
tickets dominating (as in real 12345 work). Deterministic for a given seed."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
from collections.abc import Callable, Iterator

YEAR = 2021
LEVELS = ["central", "province", "city", "county", "district"]


GROUPS = ["jingkai-unit", "jx-progress", "jx-supervision", "jx-license", "jx-hotline",
          "jx-center", "daan-department", "daan-township", "kjt", "cb-unit"]


def unit_groups(i: int) -> list[str]:
    own = GROUPS[i % len(GROUPS)]
    return sorted({own, "jx-hotline"}) if i % 3 == 0 and own not in ("kjt", "cb-unit") else [own]


def units(n: int) -> list[dict]:
    return [{"id": f"u{i:05d}", "name": f"单位{i:05d}", "groups": ";".join(unit_groups(i))} for i in range(n)]


def write_units(path: str, n: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "name", "groups"])
        w.writeheader()
        w.writerows(units(n))


GROUP_YEARS = {"kjt": 2019, "cb-unit": 2020}  # the years of those seed policies


def unit_year(u: int) -> int:
    """The assessment year of unit ``u``'s synthetic events (its main group's policy year)."""
    return next((GROUP_YEARS[g] for g in unit_groups(u) if g in GROUP_YEARS), YEAR)


def _day(rng: random.Random, year: int = YEAR) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))


def _ticket(rng: random.Random, base: dict, ticket: str, day: dt.date) -> Iterator[dict]:
    """A hotline ticket and what follows it: returned (5 %), or extended (10 %) or not, then
    replied and called back."""
    unit = base["unit"]
    due = day + dt.timedelta(days=5)
    yield {**base, "type": "hotline_ticket", "id": ticket, "ticket": ticket,
           "due": due.isoformat(), "source": "12345平台"}
    r = rng.random()
    if r < 0.05:
        yield {**base, "type": "hotline_returned", "id": ticket + "-ret", "ticket": ticket}
        return
    if r < 0.15:
        yield {**base, "type": "hotline_extended", "id": ticket + "-ext", "ticket": ticket,
               "due": (due + dt.timedelta(days=3)).isoformat()}
    reply = day + dt.timedelta(days=rng.randrange(1, 9))
    quality = rng.choices(["ok", "perfunctory", "inconsistent", "shirked"], [90, 5, 3, 2])[0]
    yield {"unit": unit, "date": reply.isoformat(), "type": "hotline_replied",
           "id": ticket + "-rep", "ticket": ticket, "quality": quality}
    yield {"unit": unit, "date": (reply + dt.timedelta(days=2)).isoformat(),
           "type": "hotline_callback", "id": ticket + "-cb", "ticket": ticket,
           "satisfied": rng.random() < 0.9}


def events(n_units: int, per_unit: int, seed: int = 7) -> Iterator[dict]:
    """About ``per_unit`` events per unit; ~70% hotline, the rest a mix of every type."""
    rng = random.Random(seed)
    for u in range(n_units):
        unit = f"u{u:05d}"
        year = unit_year(u)
        made = 0
        t = 0
        while made < per_unit:
            roll = rng.random()
            day = _day(rng, year)
            base = {"unit": unit, "date": day.isoformat()}
            if roll < 0.7:
                t += 1
                for event in _ticket(rng, base, f"{unit}-T{t}", day):
                    made += 1
                    yield event
                continue
            made += 1
            eid = f"{unit}-e{made}"
            kind = rng.randrange(16)
            if kind == 0:
                yield {**base, "id": eid, "type": rng.choice(["warning", "criticism", "admonition"]),
                       "issuer_level": rng.choice(LEVELS[2:])}
            elif kind == 1:
                yield {**base, "id": eid, "type": "conduct_issue", "category": "窗口服务"}
            elif kind == 2:
                item = f"{eid}-i"
                yield {**base, "id": eid, "type": "supervised_item_assigned", "item": item,
                       "due": (day + dt.timedelta(days=15)).isoformat()}
                yield {"unit": unit, "date": (day + dt.timedelta(days=rng.randrange(5, 25))).isoformat(),
                       "id": eid + "-c", "type": "supervised_item_closed", "item": item}
                made += 1
            elif kind == 3:
                yield {**base, "id": eid, "type": "media_report", "level": rng.choice(LEVELS),
                       "outlet": "吉林日报", "title": rng.choice(["优化营商环境见实效", "春耕生产忙"])}
            elif kind == 4:
                yield {**base, "id": eid, "type": "publication",
                       "channel": rng.choice(["column", "publicity", "disclosure", "gov_info",
                                              "supervision_info", "supervision_exposure"]),
                       "title": "政策解读"}
            elif kind == 5:
                yield {**base, "id": eid, "type": "training_session", "topic": "营商环境条例",
                       "attendees": rng.randrange(5, 60)}
            elif kind == 6:
                m = day.month
                yield {**base, "id": eid, "type": "report_submitted", "report": "monthly_dynamics",
                       "period": f"{year}-{m:02d}"}
            elif kind == 7:
                yield {**base, "id": eid, "type": "finding",
                       "item": rng.choice(["one_report", "task_list", "leading_group"]),
                       "result": rng.choice(["met", "not_met"])}
            elif kind == 8:
                yield {**base, "id": eid, "type": "metric", "name": "supervision_coverage",
                       "value": round(rng.uniform(50, 100), 1)}
            elif kind == 9:
                yield {**base, "id": eid, "type": "evaluation",
                       "panel": rng.choice(["leaders", "enterprises", "office"]),
                       "evaluator": f"e{rng.randrange(30)}", "score": rng.randrange(0, 10)}
            elif kind == 10:
                yield {**base, "id": eid, "type": "praise", "issuer_level": rng.choice(LEVELS), "issuer": "市政府"}
            elif kind == 11:
                yield {**base, "id": eid, "type": "innovation", "kind": "highlight", "title": "一窗通办"}
            elif kind == 12:
                yield {**base, "id": eid, "type": "endorsement", "leader": "city_leader"}
            elif kind == 13:
                yield {**base, "id": eid, "type": "complaint", "kind": "escalated"}
            elif kind == 14:
                yield {**base, "id": eid, "type": "briefing_adopted", "issuer_level": "province"}
            else:
                yield {**base, "id": eid, "type": "warning_sent", "to": "某企业"}


def write_events(path: str, n_units: int, per_unit: int, seed: int = 7) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for e in events(n_units, per_unit, seed):
            f.write(json.dumps(e, ensure_ascii=False))
            f.write("\n")
            count += 1
    return count


def year_arguments(doc: str, *, per_unit: int = 60, pg: bool = False,
                   extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """The command line of a benchmark over a synthetic year: --units, --per-unit [, --pg URL]
    (``extra`` adds a benchmark's own)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--per-unit", type=int, default=per_unit)
    if pg:
        parser.add_argument("--pg", metavar="URL", help="also measure PostgreSQL on this server")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def timed_import(url: str, units: str, events: str, *, tree: bool = True) -> tuple[int, float]:
    """Register ``units`` in a new store at ``url``, then import ``events`` through the library:
    (new events, seconds of the import alone). ``tree=False`` skips the Merkle tree (merkle_bench)."""
    import time

    from ledger.app import Ledger

    ledger = Ledger(url, actor="bench")
    ledger.store.tree = tree
    ledger.init()
    ledger.import_units(units)
    start = time.perf_counter()
    result = ledger.import_file(events)
    elapsed = time.perf_counter() - start
    ledger.close()
    return result.new, elapsed


def write_year(folder: str, n_units: int, per_unit: int) -> tuple[str, str, int]:
    """units.csv and events.jsonl of a synthetic year in ``folder``: (units, events, event count)."""
    units_path, events_path = os.path.join(folder, "units.csv"), os.path.join(folder, "events.jsonl")
    write_units(units_path, n_units)
    return units_path, events_path, write_events(events_path, n_units, per_unit)
