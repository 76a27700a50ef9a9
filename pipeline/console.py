"""What every CLI command module shares: the two consoles, the one-line exit, JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def die(message: str, code: int = 2) -> NoReturn:
    """Print one plain sentence on stderr and exit with `code` (2: usage or configuration)."""
    err.print(f"moneytrail: {escape(message)}", highlight=False)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """Write one JSON document on a line of stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
