"""The export and serve commands, driven through Typer's runner on a fresh app."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.export.commands import register
from tests.export.handmade import build_store

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(make_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli") / "store.db"
    build_store(path).close()
    return str(path)


@pytest.mark.parametrize(
    ("fmt", "name", "first"),
    [
        ("jsonl", "out.jsonl", '{"record": "document"'),
        ("ftm", "out.ftm.json", '{"id": "mt-'),
        ("tagpack", "pack.yaml", "title: moneytrail wallet attributions"),
        ("graphml", "graph.graphml", '<?xml version="1.0" encoding="UTF-8"?>'),
    ],
)
def test_export_writes_a_file_and_reports_it(
    store: str, tmp_path: Path, fmt: str, name: str, first: str
) -> None:
    target = tmp_path / name
    code, out, err = run("export", "--format", fmt, "-o", str(target), "--store", store)
    assert code == 0, err
    assert out == "" and target.read_text(encoding="utf-8").startswith(first)
    assert err.startswith(f"{fmt}: ") and str(target) in err and "bytes" in err


def test_export_csv_writes_a_folder_of_tables(store: str, tmp_path: Path) -> None:
    code, _, err = run("export", "--format", "csv", "-o", str(tmp_path / "t"), "--store", store)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "documents.csv",
        "entities.csv",
        "mentions.csv",
        "relations.csv",
    ]
    assert "2 document, 9 entity, 15 mention, 7 relation" in err


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_export_file_gets_the_mode_a_plain_write_would(
    store: str, tmp_path: Path, umask: int, mode: int
) -> None:
    # Written under a temporary name first, which is private (0600) until it is moved in.
    old = os.umask(umask)
    try:
        code, _, err = run("export", "-o", str(tmp_path / "out.jsonl"), "--store", store)
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == mode


def test_export_over_a_file_keeps_its_mode(store: str, tmp_path: Path) -> None:
    target = tmp_path / "pack.yaml"
    target.write_text("old")
    target.chmod(0o640)
    code, _, err = run("export", "--format", "tagpack", "-o", str(target), "--store", store)
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() != "old"


def test_export_one_kind_to_stdout(store: str) -> None:
    code, out, _ = run("export", "--format", "jsonl", "--records", "entity", "--store", store)
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 9 and {r["record"] for r in records} == {"entity"}


def test_export_type_keeps_one_entity_type(store: str) -> None:
    code, out, _ = run("export", "--format", "jsonl", "--type", "wallet", "--store", store)
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    kinds = {r["record"] for r in records}
    assert {"entity", "mention"} <= kinds
    assert {r["type"] for r in records if r["record"] in ("entity", "mention")} == {"wallet"}


def test_export_old_type_meaning_still_works_with_a_note(store: str) -> None:
    code, out, err = run("export", "--format", "jsonl", "--type", "entity", "--store", store)
    assert code == 0 and "--records entity" in err
    assert {json.loads(line)["record"] for line in out.splitlines()} == {"entity"}


def test_csv_of_every_kind_goes_to_a_named_folder(store: str, tmp_path: Path) -> None:
    code, _, err = run("export", "--format", "csv", "-o", str(tmp_path / "x.csv"), "--store", store)
    assert code == 2 and "--out-dir" in err and not (tmp_path / "x.csv").exists()
    folder = tmp_path / "csv"
    code, _, err = run("export", "--format", "csv", "--out-dir", str(folder), "--store", store)
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == [
        "documents.csv",
        "entities.csv",
        "mentions.csv",
        "relations.csv",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "one file per record kind"),
        (["--format", "ftm", "--records", "entity"], "--records applies to jsonl and csv"),
        (["--format", "pdf"], "unknown export format 'pdf'"),
        (["--format", "jsonl", "--records", "wallet"], "--records must be one of"),
        (["--format", "jsonl", "--type", "ship"], "--type must be one of"),
    ],
)
def test_export_usage_errors_exit_2_with_one_line(
    store: str, args: list[str], message: str
) -> None:
    code, out, err = run("export", *args, "--store", store)
    assert code == 2 and out == ""
    assert err.startswith("moneytrail: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize("command", ["export", "serve"])
def test_missing_store_is_refused_not_created(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nothing.db"
    code, _, err = run(command, "--store", str(missing))
    assert code == 2 and "no store at" in err
    assert not missing.exists()


def test_serve_refuses_an_empty_api_key_variable(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MT_TEST_EMPTY_KEY", "  ")
    code, _, err = run("serve", "--store", store, "--api-key-env", "MT_TEST_EMPTY_KEY")
    assert code == 2 and "MT_TEST_EMPTY_KEY is not set or is empty" in err
