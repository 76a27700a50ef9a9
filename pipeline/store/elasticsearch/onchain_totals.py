"""A wallet's activity and counterparties, summed in the cluster by composite aggregations.

The embedded store groups a wallet's transfers in SQL (lookups.activity, .counterparties);
a hub can have millions, so here the cluster groups them and the client reads buckets, BUCKETS
a request, never the rows:

- counts, first and last time, the approximate flag and the written address come from a
  composite aggregation over the group (asset, or counterparty and asset) with sub-aggregations
  (terms of size 1 ordered by key for the least and greatest string, max for the flag);
- exact decimal totals: amounts are decimal strings, so a composite aggregation over the group
  and the amount gives how many transfers carry each amount, and the client adds
  amount x count in decimal, as the embedded store's decsum() does;
- the busiest counterparties: both directions' counterparty counts come ordered by key, so one
  merge gives each counterparty's total and the distinct count, keeping only the top `limit`.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pipeline.onchain.lookups import Group
from pipeline.onchain.units import canonical
from pipeline.store.elasticsearch.onchain import alias
from pipeline.store.elasticsearch.onchain_rows import ClusterRows
from pipeline.store.sqlite.onchain import DecimalSum

BUCKETS = 1000
Filters = list[tuple[str, dict[str, Any]]]


class ClusterTotals(ClusterRows):
    """The aggregating hooks of a working set, for lookups.activity and .counterparties."""

    def _groups(
        self, filters: Filters, fields: list[str], stats: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield the composite buckets of `fields` among matching transfers, in key order."""
        from elasticsearch.dsl import A, Search

        index = alias(self.es.prefix, "transfers")
        after: dict[str, Any] | None = None
        while True:
            search = Search().extra(size=0)
            for kind, term in filters:
                search = search.filter(kind, **term)
            sources = [{f: {"terms": {"field": f}}} for f in fields]
            paging: dict[str, Any] = {"size": BUCKETS, "sources": sources}
            if after is not None:
                paging["after"] = after
            group = A("composite", **paging)
            for name, spec in (stats or {}).items():
                group.aggs[name] = A(spec)
            search.aggs.bucket("groups", group)
            found = self._ask(index, search, "group transfers")["aggregations"]["groups"]
            yield from found["buckets"]
            after = found.get("after_key")
            if len(found["buckets"]) < BUCKETS or after is None:
                return

    def _sums(self, filters: Filters, fields: list[str], value: str) -> dict[tuple[Any, ...], str]:
        """Return the exact decimal total of `value` per group of `fields`."""
        totals: dict[tuple[Any, ...], Decimal] = {}
        context = DecimalSum.context
        for bucket in self._groups(filters, [*fields, value]):
            group = tuple(bucket["key"][f] for f in fields)
            amount = context.multiply(Decimal(bucket["key"][value]), bucket["doc_count"])
            totals[group] = context.add(totals.get(group, Decimal(0)), amount)
        return {group: canonical(total) for group, total in totals.items()}

    def asset_groups(self, key: str) -> Iterator[Group]:
        """Yield lookups.activity's groups: per direction and asset, summed in the cluster."""
        for direction, column in (("out", "from_key"), ("in", "to_key")):
            filters: Filters = [("term", {column: key})]
            totals = self._sums(filters, ["asset"], "amount")
            usd = self._sums(filters, ["asset"], "amount_usd")
            for bucket in self._groups(filters, ["asset"], _stats()):
                asset = bucket["key"]["asset"]
                yield (
                    direction,
                    {
                        **_summary(bucket, totals[(asset,)]),
                        "asset": asset,
                        "approx": bucket["approx"]["value"],
                        "usd": usd.get((asset,), "0"),
                    },
                )

    def ranked_counterparties(self, key: str, limit: int) -> tuple[list[str], int]:
        """Return the `limit` busiest counterparties and how many there are, counted in the
        cluster; memory stays at `limit` however many the wallet has."""
        sent = self._groups([("term", {"from_key": key})], ["to_key"])
        received = self._groups([("term", {"to_key": key})], ["from_key"])
        merged = heapq.merge(
            ((b["key"]["to_key"], b["doc_count"]) for b in sent),
            ((b["key"]["from_key"], b["doc_count"]) for b in received),
        )
        total = 0

        def per_counterparty() -> Iterator[tuple[str, int]]:
            nonlocal total
            for cp, group in itertools.groupby(merged, key=lambda item: item[0]):
                total += 1
                yield cp, sum(n for _, n in group)

        ranked = heapq.nsmallest(limit, per_counterparty(), key=lambda t: (-t[1], t[0]))
        return [cp for cp, _ in ranked], total

    def counterparty_groups(self, key: str, top: list[str]) -> Iterator[Group]:
        """Yield lookups.counterparties' groups: per direction, counterparty and asset."""
        for direction, mine, theirs in (("sent", "from", "to"), ("received", "to", "from")):
            if not top:
                return
            filters: Filters = [("term", {f"{mine}_key": key}), ("terms", {f"{theirs}_key": top})]
            fields = [f"{theirs}_key", "asset"]
            totals = self._sums(filters, fields, "amount")
            stats = {**_stats(), "address": _extreme(f"{theirs}_address", "desc")}
            for bucket in self._groups(filters, fields, stats):
                cp, asset = bucket["key"][f"{theirs}_key"], bucket["key"]["asset"]
                yield (
                    direction,
                    {
                        **_summary(bucket, totals[(cp, asset)]),
                        "cp": cp,
                        "asset": asset,
                        "address": _least(bucket, "address") or cp,
                    },
                )


def _summary(bucket: dict[str, Any], total: str) -> dict[str, Any]:
    """Return a group's total, count, and first and last time."""
    first, last = _least(bucket, "first"), _least(bucket, "last")
    return {"total": total, "n": bucket["doc_count"], "first": first, "last": last}


def _extreme(field: str, order: str) -> dict[str, Any]:
    """A terms aggregation whose one bucket is the least (asc) or greatest (desc) value."""
    return {"terms": {"field": field, "size": 1, "order": {"_key": order}}}


def _stats() -> dict[str, Any]:
    return {
        "first": _extreme("block_time", "asc"),
        "last": _extreme("block_time", "desc"),
        "approx": {"max": {"field": "approx"}},
    }


def _least(bucket: dict[str, Any], name: str) -> Any:
    """Return the one key of a size-1 terms sub-aggregation, or None when it has none."""
    buckets = bucket[name]["buckets"]
    return buckets[0]["key"] if buckets else None
