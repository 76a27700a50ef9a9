"""Wallet addresses: shape candidates validated per chain (see pipeline/extract/addresses.py)."""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extract.addresses import AddressHit, scan
from pipeline.extract.candidates import Candidate, add, raw_text_of


def wallet_value(hit: AddressHit) -> dict[str, Any]:
    """Return the normalised value of an address hit."""
    check = hit.check
    value: dict[str, Any] = {
        "address": check.address,
        "key": check.key,
        "chains": list(check.chains),
        "family": check.family,
        "suspect": not check.valid,
    }
    if check.reason:
        value["reason"] = check.reason
    if hit.repaired:
        value["repaired"] = True
    return value


def wallet_candidate(hit: AddressHit, offset: int = 0) -> Candidate:
    """Turn an address hit into a wallet candidate; suspects get their own key space."""
    check = hit.check
    key = check.key if check.valid else f"suspect:{check.address}"
    return Candidate(
        start=hit.start + offset,
        end=hit.end + offset,
        type="wallet",
        text=hit.raw,
        key=key,
        value=wallet_value(hit),
        extractor="wallets",
        score=1.0 if check.valid else 0.3,
    )


class WalletFinder:
    """spaCy component proposing validated wallet addresses."""

    def __call__(self, doc: Doc) -> Doc:
        for hit in scan(raw_text_of(doc)):
            add(doc, wallet_candidate(hit))
        return doc


@Language.factory("mt_wallets")
def make_wallets(nlp: Language, name: str) -> WalletFinder:
    """Build the wallet component."""
    return WalletFinder()
