"""Address keys: the same normalised key as document wallets, chains from the address."""

from __future__ import annotations

import pytest

from pipeline.extract.addresses import validate
from pipeline.onchain.keys import address_key, chain_name


@pytest.mark.parametrize(
    ("address", "hint", "key", "first_chain"),
    [
        (
            "0x098B716B8Aaf21512996dC57EB0615e2383E2f96",
            "",
            "0x098b716b8aaf21512996dc57eb0615e2383e2f96",
            "ETH",
        ),
        (
            "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ",
            "",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "BTC",
        ),
        (
            "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
            "",
            "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
            "BCH",
        ),
        ("12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", "XBT", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", "BTC"),
        # OFAC filed this TRON address under XBT: the label is only a hint.
        ("TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", "XBT", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", "TRX"),
        ("  1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa ", "", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "BTC"),
    ],
)
def test_address_key_normalises_like_document_wallets(
    address: str, hint: str, key: str, first_chain: str
) -> None:
    norm = address_key(address, hint)
    assert norm.key == key
    assert norm.chains[0] == first_chain
    check = validate(address.strip())
    assert check is not None and check.key == norm.key


@pytest.mark.parametrize(
    ("address", "key"),
    [
        (
            "5BE5543FF73456AB9F2D207887E2AF87322C651EA1A873C5B25B7FFAE456C320",
            "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320",
        ),
        ("nonstandard5f1e", "nonstandard5f1e"),
        # The extractor never reads "0X" as an address, but the key still meets the 0x form.
        (
            "0X098B716B8AAF21512996DC57EB0615E2383E2F96",
            "0x098b716b8aaf21512996dc57eb0615e2383e2f96",
        ),
    ],
)
def test_address_key_keeps_unrecognised_values_matchable(address: str, key: str) -> None:
    norm = address_key(address)
    assert (norm.key, norm.chains, norm.valid) == (key, (), False)


def test_address_key_admits_solana_only_with_a_hint() -> None:
    solana = "HN7cABqLq46Es1jh92dQQisAq662SmxELLLsHHe4YWrH"
    assert address_key(solana, "SOL").chains == ("SOL",)
    assert address_key(solana).chains == ()


@pytest.mark.parametrize(
    ("name", "canonical"), [("ethereum", "ETH"), (" Tron ", "TRX"), ("XBT", "BTC"), ("bsc", "BSC")]
)
def test_chain_name_maps_synonyms(name: str, canonical: str) -> None:
    assert chain_name(name) == canonical
