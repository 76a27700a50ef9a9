"""Human-readable tables for wallet reports, paths and cross-references (the CLI's view)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

XREF_COLUMNS = (
    "address",
    "key",
    "chains",
    "documents",
    "document_sources",
    "sanctioned",
    "sanctions",
    "listed_before_document",
    "transfers",
    "first_seen",
    "last_seen",
    "paths_to_sanctioned",
    "shortest_path_hops",
    "path_targets",
    "linked_entities",
    "corroborated",
)


# An address is copied into other commands and cited, so it is never cut: a cell this wide
# holds an Ethereum address on one line, and a longer one folds onto the next line whole.
ADDRESS_WIDTH = 42


# Narrower than this, a table cannot hold a whole address beside its facts: blocks instead.
NARROW = 120


def _address_column(table: Table, header: str) -> None:
    table.add_column(header, min_width=ADDRESS_WIDTH, overflow="fold")


def sanctions_text(entries: list[dict[str, Any]]) -> str:
    """Describe sanctions entries in one line each."""
    return "; ".join(f"{e['name']} ({e['list']}): {e['status']}" for e in entries)


def _sums(sums: dict[str, str]) -> str:
    return ", ".join(f"{amount} {asset}" for asset, amount in sums.items())


def wallet(console: Console, report: dict[str, Any]) -> None:
    """Print a wallet report as headed tables."""
    flag = (
        "[bold red]SANCTIONED[/]"
        if report["sanctioned"]
        else ("[yellow]delisted[/]" if report["sanctions"] else "not listed")
    )
    console.print(
        f"[bold]{escape(report['address'])}[/]  {flag}\n  key {escape(report['key'])}"
        f"\n  chains {', '.join(report['chains']) or 'unrecognised address'}",
        highlight=False,
    )
    for entry in report["sanctions"]:
        console.print(
            f"  [red]{escape(entry['name'])}[/] ({escape(entry['list'])}, "
            f"{escape(entry['program'] or '')}; labels {', '.join(entry['labels'])}): "
            f"{escape(entry['status'])}",
            highlight=False,
        )
    for tag in report["tags"]:
        console.print(
            f"  tag: {escape(tag['label'])} ({escape(tag['category'] or '')}, "
            f"{escape(tag['source'])})",
            highlight=False,
        )
    docs = Table(
        "document", "date", "pages", "listed before", title="documents", title_justify="left"
    )
    for d in report["documents"]:
        before = d["listed_before_document"]
        docs.add_row(
            escape(d["source"]),
            d["date"] or "",
            ",".join(map(str, d["pages"])),
            "unknown (no date)" if before is None else ("yes" if before else "no"),
        )
    console.print(docs)
    act = report["activity"]
    approx = " (UTXO edges are estimates)" if act["approximate"] else ""
    table = Table(
        "asset",
        "in",
        "out",
        "transfers in",
        "transfers out",
        title=f"activity: {act['transfers']} transfers, {act['first_seen'] or '-'} to "
        f"{act['last_seen'] or '-'}{approx}",
        title_justify="left",
    )
    for a in act["assets"]:
        table.add_row(
            a["asset"], a["in"], a["out"], str(a["transfers_in"]), str(a["transfers_out"])
        )
    console.print(table)
    _counterparties(console, report)
    _paths(console, report["paths_to_sanctioned"], "paths to sanctioned addresses")
    if report.get("search_truncated"):
        console.print("[yellow]the path search hit its per-hop cap; some paths may be missing[/]")
    _corroboration(console, report["corroboration"])


def _counterparty_flags(c: dict[str, Any]) -> str:
    flags = []
    if c["sanctioned"]:
        flags.append("[red]sanctioned[/]")
    elif c["sanctions"]:
        flags.append("[yellow]delisted[/]")
    flags += [escape(n) for n in {s["name"] for s in c["sanctions"]}]
    others = [m for m in c["mentioned_in"] if m["other_document"]]
    if others:
        flags.append(f"in {len(others)} other document(s)")
    elif c["mentioned_in"]:
        flags.append("named in the same document(s)")
    flags += [escape(t) for t in c["tags"]]
    return " ".join(flags)


def _counterparties(console: Console, report: dict[str, Any]) -> None:
    title = f"counterparties ({len(report['counterparties'])} of {report['counterparties_total']})"
    if console.width < NARROW:
        console.print(f"[bold]{title}[/]", highlight=False)
        for c in report["counterparties"]:
            dates = f"{(c['first'] or '')[:10]} to {(c['last'] or '')[:10]}"
            console.print(f"  {escape(c['address'])}", highlight=False)
            console.print(
                f"    sent {_sums(c['sent']) or '-'}, received {_sums(c['received']) or '-'}, "
                f"{c['transfers']} transfer(s), {dates}  {_counterparty_flags(c)}",
                highlight=False,
            )
        return
    table = Table(title=title, title_justify="left")
    _address_column(table, "counterparty")
    for header in ("sent", "received", "n", "first", "last", "flags"):
        table.add_column(header, overflow="fold")
    for c in report["counterparties"]:
        table.add_row(
            escape(c["address"]),
            _sums(c["sent"]),
            _sums(c["received"]),
            str(c["transfers"]),
            (c["first"] or "")[:10],
            (c["last"] or "")[:10],
            _counterparty_flags(c),
        )
    console.print(table)


def _paths(console: Console, items: list[dict[str, Any]], title: str) -> None:
    console.print(f"[bold]{title}[/]: {len(items)}", highlight=False)
    for p in items:
        names = ", ".join(
            f"{s['name']}{'' if s['current'] else ' (delisted)'}"
            for s in p.get("sanctioned_as", [])
        )
        console.print(
            f"  {p['direction']}, {p['hops']} hop(s)" + (f" to {escape(names)}" if names else ""),
            highlight=False,
        )
        for step in p["steps"]:
            txs = ", ".join(
                f"{t['tx_hash']} {t['amount']} {t['asset']} {(t['block_time'] or '')[:10]}"
                + (" ~" if t["approx"] else "")
                for t in step["transactions"]
            )
            more = (
                f" (+{step['transfers'] - len(step['transactions'])})"
                if (step["transfers"] > len(step["transactions"]))
                else ""
            )
            console.print(
                f"    {escape(step['from'])} -> {escape(step['to'])}: {escape(txs)}{more}",
                highlight=False,
            )


def _corroboration(console: Console, verdicts: list[dict[str, Any]]) -> None:
    if not verdicts:
        return
    table = Table(
        "document amount",
        "date",
        "matched",
        "by / reason",
        title="corroboration",
        title_justify="left",
    )
    for v in verdicts:
        table.add_row(
            escape(v["text"]),
            escape(v["date"] or ""),
            "[green]yes[/]" if v["matched"] else "no",
            escape(v["matched_by"] or v.get("reason", "")),
        )
    console.print(table)


def paths(console: Console, result: dict[str, Any]) -> None:
    """Print the paths between two addresses."""
    _paths(
        console,
        result["paths"],
        f"paths between {result['a']} and {result['b']} (at most {result['max_hops']} hops)",
    )
    if result["search_truncated"]:
        console.print("[yellow]the path search hit its per-hop cap; some paths may be missing[/]")


def _targets(found: list[dict[str, Any]]) -> dict[str, int]:
    """Return each sanctioned name a path reaches, with its fewest hops."""
    best: dict[str, int] = {}
    for p in found:
        for entry in p["sanctioned_as"]:
            name = entry["name"] + ("" if entry["current"] else " (delisted)")
            best[name] = min(best.get(name, p["hops"]), p["hops"])
    return best


def _hops(count: int) -> str:
    return f"{count} hop" + ("" if count == 1 else "s")


def xref_row(w: dict[str, Any]) -> list[str]:
    """Return one wallet's cross-reference as a CSV row (see XREF_COLUMNS)."""
    found = w["paths_to_sanctioned"]
    # The counts are of paths to currently listed addresses, as `sanctioned` is; a path to a
    # delisted address is still named in path_targets, marked "(delisted)".
    current = [p for p in found if any(s["current"] for s in p["sanctioned_as"])]
    befores = [d["listed_before_document"] for d in w["documents"]]
    matched = sum(1 for v in w["corroboration"] if v["matched"])
    return [
        w["address"],
        w["key"],
        " ".join(w["chains"]),
        str(len(w["documents"])),
        "; ".join(d["source"] for d in w["documents"]),
        "true" if w["sanctioned"] else "false",
        sanctions_text(w["sanctions"]),
        "true" if any(befores) else ("" if all(b is None for b in befores) else "false"),
        str(w["activity"]["transfers"]),
        w["activity"]["first_seen"] or "",
        w["activity"]["last_seen"] or "",
        str(len(current)),
        str(min((p["hops"] for p in current), default="")),
        "; ".join(f"{name} ({_hops(n)})" for name, n in sorted(_targets(found).items())),
        "; ".join(f"{e['type']}:{e['name']}" for e in w["linked_entities"]),
        f"{matched}/{len(w['corroboration'])}",
    ]


def _sanction_cell(entries: list[dict[str, Any]]) -> str:
    cells = []
    for e in entries:
        if e["current"]:
            cells.append(f"[bold red]SANCTIONED[/] {escape(e['name'])}")
        else:
            cells.append(f"[yellow]delisted[/] {escape(e['name'])} (last {e['listed_in'][-1]})")
    return "\n".join(cells)


def xref(console: Console, result: dict[str, Any]) -> None:
    """Print the cross-reference: a table row per wallet, or a block per wallet when the
    terminal is too narrow for a whole address beside its facts."""
    issues = ", ".join(f"{k} {v}" for k, v in result["latest_sanctions_issues"].items())
    title = f"{len(result['wallets'])} wallets; latest lists: {issues or 'none imported'}"
    rows = []
    for w in result["wallets"]:
        targets = _targets(w["paths_to_sanctioned"])
        rows.append(
            (
                escape(w["address"]),
                str(len(w["documents"])),
                _sanction_cell(w["sanctions"]),
                str(w["activity"]["transfers"]),
                escape("\n".join(f"{name}: {_hops(n)}" for name, n in sorted(targets.items()))),
                escape("\n".join(e["name"] for e in w["linked_entities"])),
                f"{sum(1 for v in w['corroboration'] if v['matched'])}/{len(w['corroboration'])}",
            )
        )
    if console.width < NARROW:
        console.print(f"[bold]{title}[/]", highlight=False)
        for address, docs, sanctions, transfers, paths, named, matched in rows:
            console.print(f"[bold]{address}[/]", highlight=False)
            console.print(
                f"  {docs} document(s), {transfers} transfer(s), amounts matched {matched}",
                highlight=False,
            )
            for label, cell in (("", sanctions), ("paths to sanctioned: ", paths),
                                ("named with: ", named)):  # fmt: skip
                if cell:
                    console.print(f"  {label}{cell.replace(chr(10), '; ')}", highlight=False)
        return
    table = Table(title=title, title_justify="left")
    _address_column(table, "wallet")
    # Cells fold onto more lines, never end in an ellipsis: an amount or name is never cut.
    table.add_column("docs", justify="right", overflow="fold")
    table.add_column("sanctions", min_width=12, overflow="fold")
    table.add_column("transfers", justify="right", overflow="fold")
    table.add_column("paths to sanctioned", min_width=14, overflow="fold")
    table.add_column("named with", overflow="fold")
    table.add_column("amounts matched", justify="right", overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)
