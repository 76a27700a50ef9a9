"""moneytrail's WordPiece tokenizer gives Hugging Face's ids, token for token."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.parse import parse
from pipeline.resources import model_file
from pipeline.semantic.wordpiece import WordPiece

ROOT = Path(__file__).resolve().parents[2]
TRICKY = [
    "Café déjà vu: a naïve résumé",  # accents are stripped
    "北京 casino 澳门 VIP room",  # CJK characters stand alone
    "a\x00b\u200bc\tnew\nline\u00a0end",  # control, format and odd whitespace
    "x" * 150,  # longer than a word may be: [UNK]
    "[CLS] literal [SEP] tokens in a document",  # special tokens split out first
    "U.S.-designated (OFAC) $1.5m; e-mail: a@b.co, 0x098B716B8Aaf21512996dC57EB0615e2383E2f96",
    "Lazarus Group's APT38 / TraderTraitor — “quoted” ‘words’ … and ½ and ™",
    "",
    "   ",
]


@pytest.fixture(scope="module")
def both() -> tuple[object, WordPiece]:
    tokenizers = pytest.importorskip("tokenizers", reason="the reference tokenizer is absent")
    path = model_file("minilm", "tokenizer.json")
    reference = tokenizers.Tokenizer.from_file(str(path))
    reference.enable_truncation(256)
    reference.no_padding()  # the file pads to 128; compare the ids alone
    return reference, WordPiece(path, 256)


def _texts() -> list[str]:
    texts = list(TRICKY)
    for source in sorted((ROOT / "corpora" / "sample").iterdir()):
        if source.suffix in (".txt", ".html", ".pdf"):
            text = parse(source).text
            texts += [text[i : i + 2000] for i in range(0, len(text), 2000)]
    return texts


def test_ids_equal_hugging_face_tokenizers(both: tuple[object, WordPiece]) -> None:
    reference, ours = both
    texts = _texts()
    assert len(texts) > 20
    for text in texts:
        assert ours.encode_batch([text])[0].ids == reference.encode(text).ids, text[:80]  # type: ignore[attr-defined]


def test_long_text_is_cut_to_the_limit_with_its_markers(both: tuple[object, WordPiece]) -> None:
    _, ours = both
    ids = ours.ids("word " * 1000)
    assert len(ids) == 256 and ids[0] == ours.cls and ids[-1] == ours.sep


def test_batch_pads_to_the_longest_and_masks_the_padding() -> None:
    ours = WordPiece(model_file("minilm", "tokenizer.json"), 256)
    short, long = ours.encode_batch(["casino", "junket operators moved cash"])
    assert len(short.ids) == len(long.ids)
    assert short.attention_mask.count(1) == 3 and short.ids[3:] == [0] * (len(short.ids) - 3)
    assert all(long.attention_mask)
