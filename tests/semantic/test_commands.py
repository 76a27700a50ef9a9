"""The `embed` command through Typer's runner, on a fresh app as cli.py will build it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from pipeline.semantic.commands import print_hits, register
from pipeline.semantic.embedder import MISSING_EXTRA

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("version")
    def version() -> None:  # a second command, so Typer keeps `embed` as a subcommand
        """Print nothing."""

    return app


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_embed_reports_and_is_idempotent(embedder: Any, store_path: str) -> None:
    code, out, err = run("embed", "--store", store_path, "--device", "cpu")
    assert code == 0, err
    assert "5 documents embedded, 0 already embedded" in err and "passages/s on cpu" in err
    code, out, err = run("embed", "--store", store_path, "--device", "cpu", "--json")
    report = json.loads(out)
    assert code == 0 and report["documents"] == 0 and report["skipped"] == 5
    assert report["vectors"].endswith("mt.db.vectors") and report["model"] == "all-MiniLM-L6-v2"


def test_embed_rebuild_embeds_everything_again(embedder: Any, store_path: str) -> None:
    run("embed", "--store", store_path, "--device", "cpu")
    code, out, _ = run("embed", "--store", store_path, "--device", "cpu", "--rebuild", "--json")
    assert code == 0 and json.loads(out)["documents"] == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--device", "tpu"], "must be one of auto, cpu, cuda"),
        (["--precision", "int4"], "must be one of auto, fp32, bf16"),
        (["--batch-size", "0"], "batch-size"),
    ],
)
def test_embed_rejects_bad_flags(store_path: str, args: list[str], message: str) -> None:
    code, _, err = run("embed", "--store", store_path, *args)
    assert code == 2 and message in err


def test_embed_with_a_folder_that_is_no_model(
    embedder: Any, store_path: str, tmp_path: Any
) -> None:
    code, _, err = run("embed", "--store", store_path, "--model", str(tmp_path))
    assert code == 2
    assert err.startswith("moneytrail: ") and "has no config.json" in err


@pytest.mark.usefixtures("no_torch")
def test_embed_without_the_extra_names_it(store_path: str) -> None:
    code, _, err = run("embed", "--store", store_path)
    assert code == 2 and err.strip() == f"moneytrail: {MISSING_EXTRA}"


def test_embed_on_an_unreachable_elasticsearch_is_one_line(embedder: Any) -> None:
    code, _, err = run("embed", "--store", "http://127.0.0.1:9")
    assert code == 2 and "cannot reach Elasticsearch" in err
    assert len(err.strip().splitlines()) == 1


def test_print_hits_shows_source_page_retrievers_and_marks() -> None:
    console = Console(record=True, width=200)
    result = {
        "query": "q",
        "type": None,
        "hits": [
            {
                "document": {"id": "d", "source": "a.txt", "title": None},
                "page": 3,
                "snippet": "found <mark>NagaWorld</mark> [here]",
                "score": 0.03,
                "matched": "text",
                "retrievers": ["text", "semantic"],
            }
        ],
    }
    print_hits(result, console)
    text = console.export_text()
    assert "a.txt p.3 (text+semantic, 0.03)" in text
    assert "found NagaWorld [here]" in text
