"""Search at scale: the API's /search with facets on embedded stores of 10,000 and 100,000
generated documents, warm, against the code path it replaced, measured in the same run.

    python bench/search_scale.py [--sizes 10000 100000] [--rounds 3] [--old-budget 120]

Documents are generated deterministically (seeded): one page each of 10 to 16 sentences built
from templates that name people, organisations, casinos, street addresses, wallets, amounts
and countries among common words, with a mention for every name, so a page holds about 18
mentions, as the issue's 10,000-page store did. They are written through the store's own
upsert_document (spaCy on 100,000 documents is too slow for two cores); the built stores are
kept under /tmp/moneytrail-search-scale/ and reused by later runs.

Each of the 30 queries (names, common words, addresses, questions) is asked once to warm the
page cache, then `rounds` times through FastAPI's in-process TestClient; p50 and p95 are over
all those calls. The old path (every query word required, facets over every matching page
with one entity lookup per page) is timed on the same store and queries until its time
budget runs out; the ratio compares the medians of the queries both paths answered.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import time
from hashlib import sha256
from itertools import accumulate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from pipeline.api import create_app  # noqa: E402
from pipeline.extract.geo import country_name  # noqa: E402
from pipeline.extract.names import normalise  # noqa: E402
from pipeline.records import Document, Entity, Mention, Page  # noqa: E402
from pipeline.store.sqlite.store import SqliteStore  # noqa: E402

CACHE = Path("/tmp/moneytrail-search-scale")
FIRST = """Kim Chen Maria Nguyen Ahmed Olga Ravi Sofia Tan Lucas Mei Ivan Aisha Pedro Yuki Omar
Hana Li Jose Anna Minh Farid Elena Arjun Lina Marco Wei Dmitri Fatima Carlos Sakura Hassan
Grace Bao Luis Irina Vikram Nadia Paolo Ying Sergei Leila Diego Aiko Karim Rosa Thanh Boris
Priya Jun Ana Youssef Mira Rafael Lan Oleg Sara Tomas Hiro Zainab""".split()  # noqa: SIM905
LAST = """Wong Park Santos Tran Haddad Petrova Mehta Rossi Lim Silva Zhang Sokolov Khan Reyes
Le Kovacs Ong Castillo Ivanova Rahman Bianchi Huang Novak Cruz Tanaka Aziz Pham Moreno Volkov
Gupta Lee Ferreira Chua Mendoza Sato Nasser Vu Romero Popov Iyer Yang Costa Tay Navarro Kato
Saleh Do Herrera Orlov Shah Ho Almeida Goh Ramos Mori Hussein Dang Torres Kuznetsov Rao""".split()  # noqa: SIM905
ORG_HEADS = """Golden Dragon Mekong Blue Harbour Silverline Apex Red Lantern Northstar Lotus Jade
Pacific Crown Summit Orient Imperial Evergreen Sapphire Phoenix Harmony Delta Prime Oasis
Pinnacle Horizon Meridian Falcon Tiger Coral Emerald Liberty""".split()  # noqa: SIM905
ORG_TAILS = ["Holdings", "Trading", "Capital", "Logistics", "Remittance", "Exchange", "Group",
             "Payment Services", "Development", "Investment"]  # fmt: skip
ORGS = ["Lazarus Group", "Prince Group", "Huione Pay", "Jade Sleet"] + [
    f"{h} {t}" for h in ORG_HEADS for t in ORG_TAILS
]
CASINOS = ["Golden Lotus Casino", "Mekong Star VIP Club", "NagaWorld", "Lucky Crown Casino"] + [
    f"{h} {t}" for h in ORG_HEADS[:24] for t in ("Casino", "Resort", "Gaming Club")
]
COUNTRIES = ["KP", "KH", "PH", "MO", "CN", "US", "MM", "TH", "VN", "LA", "SG", "HK", "AE", "GB",
             "MY", "ID", "KR", "JP", "AU", "RU"]  # fmt: skip
STREETS = [
    "Nguyen Hue Street", "Sihanouk Boulevard", "Avenida da Praia Grande", "Jalan Ampang",
    "Roxas Boulevard", "Sukhumvit Road", "Orchard Road", "Nathan Road", "Monivong Boulevard",
    "Ayala Avenue", "Silom Road", "Le Loi Street", "Jalan Sudirman", "Queen's Road Central",
    "Norodom Boulevard", "Shenton Way", "Rama IV Road", "Taft Avenue", "Dong Khoi Street",
]  # fmt: skip
CITIES = ["Phnom Penh", "Manila", "Macau", "Bangkok", "Singapore", "Hong Kong", "Sihanoukville",
          "Kuala Lumpur", "Jakarta", "Ho Chi Minh City", "Dubai", "London", "Seoul"]  # fmt: skip
CHAINS = {"ETH": "0x", "TRX": "T", "BTC": "bc1q"}
# Sentences without names, by topic: a document mostly keeps to its topic.
TOPICS = {
    "casino": [
        "Money laundering through casinos remains a risk for the region.",
        "The junket operator extended credit to high rollers from abroad.",
        "Chips bought with cash were redeemed after little or no play.",
        "The VIP room accepted third-party deposits without checking their origin.",
        "Gaming promoters settled the debts of their players in another currency.",
        "The casino did not file reports on large cash transactions for months.",
    ],
    "crypto": [
        "The stolen tokens were swapped through a decentralized exchange and a bridge.",
        "A mixer was used to break the trail between the hacked wallet and the cash-out.",
        "The exchange froze the account after a request from law enforcement.",
        "Private keys were taken from a developer's compromised laptop.",
        "Stablecoins were moved across several chains within a few hours.",
        "Analysts followed the peel chain until the coins reached an exchange deposit address.",
    ],
    "scam": [
        "Victims were recruited through messaging apps and fake job advertisements.",
        "Workers in the compound were forced to run online scams for long hours.",
        "Customers were told that the investment platform offered guaranteed returns.",
        "Passports were confiscated when the recruits arrived at the border town.",
        "The romance scripts were shared among teams inside the compound.",
        "Rescued workers described beatings and debts they could never repay.",
    ],
    "bank": [
        "Several shell companies shared the same nominee directors and the same bank.",
        "Investigators said the transfers were structured to stay below reporting thresholds.",
        "The compliance officer did not escalate the suspicious activity reports.",
        "Underground banking networks settled the balances without moving money across borders.",
        "Trade invoices overstated the value of the goods shipped.",
        "Correspondent accounts were used to clear payments in dollars.",
    ],
    "court": [
        "The court ordered the forfeiture of the property and the vehicles.",
        "The defendant pleaded guilty to conspiracy to commit money laundering.",
        "Prosecutors asked for a sentence of eight years in prison.",
        "The indictment was unsealed after the arrest at the airport.",
        "A civil complaint sought the seizure of the funds held at the exchange.",
        "The judge found that the records were admissible as business records.",
    ],
}
QUERIES = [
    "Kim Wong", "Maria Santos", "Lazarus Group", "Golden Lotus Casino", "NagaWorld",
    "Huione Pay", "Ravi Mehta", "Prince Group",
    "casino", "money laundering", "wallet", "funds", "scam compounds", "junket operator",
    "shell companies", "exchange",
    "Sihanouk Boulevard", "14 Nguyen Hue Street", "Avenida da Praia Grande Macau",
    "Roxas Boulevard Manila", "Orchard Road",
    "which casinos moved money for junket operators in Macau",
    "how were victims recruited into scam compounds",
    "who laundered stolen funds through an over-the-counter broker",
    "gambling businesses used as hidden banks to move dirty money",
    "where did the exchange freeze the account",
    "what did the court order forfeited",
    "Lazarus AND Macau", '"money laundering" casino', "launder*",
]  # fmt: skip


# Names are drawn with Zipf-like weights (1/rank^0.8): a few are common, most are rare.
FIRST_WEIGHTS = list(accumulate(1 / (i + 1) ** 0.8 for i in range(len(FIRST))))
ORG_WEIGHTS = list(accumulate(1 / (i + 1) ** 0.8 for i in range(len(ORGS))))
VERBS = ["laundered", "moved", "hid", "transferred", "layered", "withdrew"]
CHANNELS = [
    "underground banks and shell companies", "an over-the-counter broker", "a payment app",
    "nominee accounts", "prepaid cards", "a trading company", "money mules",
]  # fmt: skip


def _id(prefix: str, name: str) -> str:
    return f"{prefix}-{sha256(name.encode()).hexdigest()[:20]}"


def generate(number: int, rng: random.Random) -> tuple[Document, list[Mention], list[Entity]]:
    """Return one generated single-page document with its mentions and entities."""
    doc_id = sha256(f"scale-{number}".encode()).hexdigest()
    parts: list[str] = []
    spans: list[tuple[int, int, str, str, dict[str, Any], str, str]] = []
    at = 0

    def say(*pieces: tuple[str, tuple[str, str, dict[str, Any], str] | None]) -> None:
        nonlocal at
        for text, mention in pieces:
            if mention is not None:
                type_, key, value, entity = mention
                spans.append((at, at + len(text), type_, key, value, entity, text))
            parts.append(text)
            at += len(text)
        parts.append(" ")
        at += 1

    def actor(name: str, kind: str) -> tuple[str, tuple[str, str, dict[str, Any], str]]:
        return name, ("actor", f"actor:{normalise(name)}", {"kind": kind}, _id("ac", name))

    def casino(name: str) -> tuple[str, tuple[str, str, dict[str, Any], str]]:
        return name, ("casino", f"casino:{normalise(name)}", {"kind": "casino"}, _id("ca", name))

    def country(code: str) -> tuple[str, tuple[str, str, dict[str, Any], str]]:
        return country_name(code), ("country", code, {"code": code}, _id("co", code))

    def wallet() -> tuple[str, tuple[str, str, dict[str, Any], str]]:
        chain = rng.choice(list(CHAINS))
        address = CHAINS[chain] + sha256(f"w{rng.randrange(20000)}".encode()).hexdigest()[:38]
        value = {"address": address, "chains": [chain], "key": address.lower(), "suspect": False}
        return address, ("wallet", address.lower(), value, _id("wa", address.lower()))

    def person() -> str:
        return f"{rng.choices(FIRST, cum_weights=FIRST_WEIGHTS)[0]} {rng.choice(LAST)}"

    def org() -> str:
        return rng.choices(ORGS, cum_weights=ORG_WEIGHTS)[0]

    def amount() -> tuple[str, tuple[str, str, dict[str, Any], str]]:
        value = rng.randrange(1, 900) * 1000
        text = f"USD {value:,}"
        return text, (
            "amount",
            f"USD:{value}",
            {"currency": "USD", "value": value},
            _id("am", text),
        )

    topic = rng.choice(list(TOPICS))
    for _ in range(rng.randint(10, 16)):
        pick = rng.random()
        place = rng.choice(CITIES)
        if pick < 0.15:
            say(
                actor(person(), "person"),
                (" of ", None),
                actor(org(), "group"),
                (" moved ", None),
                amount(),
                (" through ", None),
                casino(rng.choice(CASINOS)) if topic == "casino" else actor(org(), "company"),
                (f" in {place}, ", None),
                country(rng.choice(COUNTRIES)),
                (".", None),
            )
        elif pick < 0.27:
            street = f"{rng.randrange(1, 200)} {rng.choice(STREETS)}"
            say(
                ("Investigators traced wallet ", None),
                wallet(),
                (f" to a company registered at {street}, {place}.", None),
            )
        elif pick < 0.4:
            say(
                ("The authorities of ", None),
                country(rng.choice(COUNTRIES)),
                (" said ", None),
                actor(person(), "person"),
                (f" {rng.choice(VERBS)} the funds through {rng.choice(CHANNELS)}.", None),
            )
        elif pick < 0.47 and topic == "casino":
            say(
                casino(rng.choice(CASINOS)),
                (" paid ", None),
                amount(),
                (" to players sent by ", None),
                actor(org(), "group"),
                (".", None),
            )
        elif pick < 0.85:
            say((rng.choice(TOPICS[topic]), None))
        else:
            say((rng.choice(TOPICS[rng.choice(list(TOPICS))]), None))
    text = "".join(parts).rstrip()
    doc = Document(doc_id, f"generated/{number:06d}.txt", "txt", text, (Page(1, 0, len(text)),),
                   title=f"Generated case note {number}", size=len(text))  # fmt: skip
    mentions, entities = [], {}
    for start, end, type_, key, value, entity_id, surface in spans:
        sentence_start = text.rfind(". ", 0, start) + 2 if text.rfind(". ", 0, start) >= 0 else 0
        sentence_end = text.find(".", end)
        sentence = text[sentence_start : sentence_end + 1 if sentence_end >= 0 else len(text)]
        mention_id = f"m-{doc_id[:16]}-{start}"
        mentions.append(
            Mention(mention_id, doc_id, 1, start, end, type_, surface, value, key, sentence,
                    "generated", 1.0, entity_id)
        )  # fmt: skip
        entities[entity_id] = Entity(entity_id, type_, surface, (), dict(value))
    return doc, mentions, list(entities.values())


def build(size: int) -> Path:
    """Build (or reuse) a store of `size` generated documents; return its path."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"store-{size}.db"
    done = CACHE / f"store-{size}.done"
    if path.exists() and done.exists():
        return path
    for stale in CACHE.glob(f"store-{size}.db*"):
        stale.unlink()
    rng = random.Random(size)
    store = SqliteStore(path)
    started = time.perf_counter()
    for number in range(size):
        store.upsert_document(*generate(number, rng))
    store.ensure_resolved()
    store.close()
    done.write_text(f"{time.perf_counter() - started:.1f}\n")
    return path


def old_search_with_facets(db: sqlite3.Connection, query: str) -> None:
    """Run the replaced path: every word required, facets over every matching page, one
    entity lookup per page and a temporary table filled from Python."""
    words = [f'"{w}"' for w in query.replace('"', " ").split() if w not in {"AND", "OR", "NOT"}]
    match = " ".join(words)
    pages: set[tuple[str, int]] = set()
    norm = normalise(query)
    ids = [r[0] for r in db.execute(
        "SELECT DISTINCT rm.canonical_id FROM resolved_mentions rm WHERE rm.entity_id IN "
        "(SELECT entity_id FROM entity_aliases WHERE norm IN (?, ?))",
        (norm, norm.replace(" ", "")))]  # fmt: skip
    for _ in range(2):  # search and facets each listed the entity pages
        if ids:
            rows = db.execute(
                f"SELECT rm.document_id, rm.page, rm.canonical_id FROM resolved_mentions rm WHERE "
                f"rm.canonical_id IN ({','.join('?' * len(ids))}) ORDER BY rm.document_id",
                ids,
            ).fetchall()
            seen = set()
            for doc, page, cid in rows:
                if (doc, page) not in seen:
                    seen.add((doc, page))
                    db.execute(
                        "SELECT name FROM entity_names WHERE canonical_id = ?", (cid,)
                    ).fetchone()
                    db.execute("SELECT name, type FROM entities WHERE id = ?", (cid,)).fetchone()
            pages |= seen
    if match:
        pages |= {(r[0], r[1]) for r in db.execute(
            "SELECT p.document_id, p.number FROM pages_fts JOIN pages p "
            "ON p.rowid = pages_fts.rowid WHERE pages_fts MATCH ?", (match,))}  # fmt: skip
    db.execute("CREATE TEMP TABLE IF NOT EXISTS old_pages (document_id, page)")
    db.execute("DELETE FROM old_pages")
    db.executemany("INSERT INTO old_pages VALUES (?, ?)", sorted(pages))
    joined = ("FROM resolved_mentions rm JOIN old_pages fp ON fp.document_id = rm.document_id "
              "AND fp.page = rm.page")  # fmt: skip
    for kind in ("actor", "casino"):
        top = db.execute(f"SELECT rm.canonical_id, count(*) AS n {joined} WHERE rm.type = ? "
                         "GROUP BY rm.canonical_id ORDER BY n DESC LIMIT 10", (kind,))  # fmt: skip
        for r in top.fetchall():
            db.execute("SELECT name, type FROM entities WHERE id = ?", (r[0],)).fetchone()
    db.execute(f"SELECT json_extract(rm.value, '$.code') c, count(*) {joined} WHERE rm.type = "
               "'country' GROUP BY c").fetchall()  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def measure(size: int, rounds: int, old_budget: float) -> dict[str, Any]:
    """Time /search with facets for every query on a store of `size` documents."""
    started = time.perf_counter()
    path = build(size)
    built = time.perf_counter() - started
    client = TestClient(create_app(str(path)))
    per_query: dict[str, list[float]] = {}
    for query in QUERIES:
        response = client.get("/search", params={"q": query})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "facets" in body
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            client.get("/search", params={"q": query})
            times.append((time.perf_counter() - t) * 1000)
        per_query[query] = times
    flat = [t for times in per_query.values() for t in times]
    old: dict[str, float] = {}
    db = sqlite3.connect(path)
    spent = 0.0
    for query in QUERIES:
        if old_budget <= 0 or spent > old_budget:
            break
        t = time.perf_counter()
        old_search_with_facets(db, query)
        old[query] = (time.perf_counter() - t) * 1000
        spent += old[query] / 1000
    db.close()
    both = [q for q in QUERIES if q in old]
    new_median = statistics.median(statistics.median(per_query[q]) for q in both) if both else 0
    old_median = statistics.median(old[q] for q in both) if both else 0
    return {
        "documents": size,
        "build_seconds": round(built, 1),
        "p50_ms": round(percentile(flat, 0.50), 1),
        "p95_ms": round(percentile(flat, 0.95), 1),
        "max_ms": round(max(flat), 1),
        "slowest": max(per_query, key=lambda q: max(per_query[q])),
        "old_queries": len(both),
        "old_median_ms": round(old_median, 1),
        "new_median_ms_same_queries": round(new_median, 1),
        "speedup": round(old_median / new_median, 1) if new_median else None,
    }


def main() -> None:
    """Build the stores, time the queries, print one JSON line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--old-budget", type=float, default=120.0, help="seconds for the old path (0: skip it)"
    )
    args = parser.parse_args()
    for size in args.sizes:
        print(json.dumps(measure(size, args.rounds, args.old_budget)), flush=True)


if __name__ == "__main__":
    main()
