"""A small investigation: three documents, two list issues, transfers and tags, in one store."""

from __future__ import annotations

from pipeline.onchain.importer import import_file
from pipeline.store.sqlite.store import SqliteStore
from tests.onchain.conftest import (
    CASINO,
    FIXTURES,
    LAZARUS,
    MIDDLE,
    NEVER,
    TORNADO,
    add_document,
)

UN_REPORT = (
    f"The Lazarus Group moved 1,580 ETH from {LAZARUS} to the wallet {MIDDLE} at NagaWorld in "
    "August 2023. The Panel notes the cash-out continued."
)
MEMO = (
    f"Funds reached the junket deposit address {CASINO} on 11 August 2023, about 1000 ETH, "
    f"with a further 250 ETH. Tornado Cash at {TORNADO} received 0.3 USDT on 12 August 2023."
)
OLD_NEWS = (
    f"In 2022 analysts linked {LAZARUS} to the Ronin theft. A wallet {NEVER} was named too, and "
    "a garbled 0x098B716B8Aaf21512996dC57EB0615e2383E2f97 appeared."
)
SUSPECT = "0x098B716B8Aaf21512996dC57EB0615e2383E2f97"


def build(store: SqliteStore) -> dict[str, str]:
    """Fill the store; return the document ids by name."""
    for name in ("sdn-2024-01-10.xml", "sdn-2025-03-25.xml", "transfers.csv", "tagpack.yaml"):
        import_file(store.db, FIXTURES / name)
    docs = {
        "un": add_document(
            store,
            UN_REPORT,
            [
                ("actor", "Lazarus Group", {"kind": "group"}),
                ("amount", "1,580 ETH", {"currency": "ETH", "value": 1580.0}),
                ("wallet", LAZARUS, {}),
                ("wallet", MIDDLE, {}),
                ("casino", "NagaWorld", {"kind": "casino_resort"}),
            ],
            date="2025-01-15",
            source="un-report.txt",
        ),
        "memo": add_document(
            store,
            MEMO,
            [
                ("wallet", CASINO, {}),
                (
                    "amount",
                    "1000 ETH",
                    {"currency": "ETH", "value": 1000.0, "qualifier": "approximately"},
                ),
                ("amount", "250 ETH", {"currency": "ETH", "value": 250.0}),
                ("actor", "Tornado Cash", {"kind": "mixer"}),
                ("wallet", TORNADO, {}),
                ("amount", "0.3 USDT", {"currency": "USDT", "value": 0.3}),
            ],
            source="memo.txt",
        ),
        "news": add_document(
            store,
            OLD_NEWS,
            [
                ("wallet", LAZARUS, {}),
                ("wallet", NEVER, {}),
                ("wallet", SUSPECT, {"suspect": True}),
            ],
            date="2023-01-01",
            source="old-news.txt",
        ),
    }
    return docs
