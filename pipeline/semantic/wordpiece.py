"""BERT's uncased WordPiece tokenizer, read from a tokenizer.json, in plain Python.

The ONNX runtime needs token ids and nothing else from a tokenizer library; the `tokenizers`
package would bring huggingface-hub and its HTTP stack (eight packages) for that. This module
follows the steps that all-MiniLM-L6-v2's tokenizer.json names: special tokens split out
first, BertNormalizer (clean text, spaces around CJK characters, accents stripped, lower
case), BertPreTokenizer (whitespace, then each punctuation character alone), greedy
longest-match WordPiece with `##` continuations, then [CLS] ... [SEP].
tests/semantic/test_wordpiece.py checks it token for token against `tokenizers`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def _is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_punctuation(char: str) -> bool:
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


@dataclass(frozen=True, slots=True)
class Encoding:
    """One text's token ids and attention mask, as the model takes them."""

    ids: list[int]
    attention_mask: list[int]


class WordPiece:
    """Tokenize texts into padded batches of ids for a BERT-style model."""

    def __init__(self, path: Path, max_tokens: int) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = data["model"]
        self.vocab: dict[str, int] = model["vocab"]
        self.unk = self.vocab[model["unk_token"]]
        self.prefix = str(model["continuing_subword_prefix"])
        self.max_chars = int(model["max_input_chars_per_word"])
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]
        self.pad = 0
        self.max_tokens = max_tokens
        specials = sorted((t["content"] for t in data["added_tokens"]), key=len, reverse=True)
        self._special = re.compile("(" + "|".join(re.escape(s) for s in specials) + ")")
        self._specials = set(specials)

    def normalise(self, text: str) -> str:
        """Apply BertNormalizer: clean, space out CJK, strip accents, lower-case."""
        out = []
        for char in text:
            cp = ord(char)
            if cp == 0 or cp == 0xFFFD or _is_control(char):
                continue
            if _is_whitespace(char):
                out.append(" ")
            elif _is_cjk(cp):
                out.append(f" {char} ")
            else:
                out.append(char)
        decomposed = unicodedata.normalize("NFD", "".join(out))
        return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()

    def words(self, text: str) -> list[str]:
        """Apply BertPreTokenizer: split on whitespace, and each punctuation mark alone."""
        found: list[str] = []
        for chunk in text.split():
            current = ""
            for char in chunk:
                if _is_punctuation(char):
                    if current:
                        found.append(current)
                        current = ""
                    found.append(char)
                else:
                    current += char
            if current:
                found.append(current)
        return found

    def pieces(self, word: str) -> list[int]:
        """Return a word's WordPiece ids, greedy longest match first, or [UNK]."""
        if len(word) > self.max_chars:
            return [self.unk]
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def ids(self, text: str) -> list[int]:
        """Return [CLS] + the text's pieces, cut to fit, + [SEP]."""
        ids: list[int] = []
        for part in self._special.split(text):
            if part in self._specials:
                ids.append(self.vocab[part])
                continue
            for word in self.words(self.normalise(part)):
                ids.extend(self.pieces(word))
        return [self.cls, *ids[: self.max_tokens - 2], self.sep]

    def encode_batch(self, texts: Sequence[str]) -> list[Encoding]:
        """Encode texts, padded to the longest of the batch."""
        encoded = [self.ids(t) for t in texts]
        width = max((len(e) for e in encoded), default=0)
        return [
            Encoding(e + [self.pad] * (width - len(e)), [1] * len(e) + [0] * (width - len(e)))
            for e in encoded
        ]
