"""Where resolution's blocks are clustered: as Ray tasks, in local worker processes, or here.

The driver only pages through the store's list of blocks and hands batches of keys out; each
worker opens the store itself, reads its blocks' rows and clusters them
(pipeline/link/blocks.py), and sends back the few pairs it joined. At most IN_FLIGHT_PER_WORKER
batches per worker are out at once, so the driver's memory stays flat however many blocks the
store lists. A store whose blocks fit in one batch is clustered here: starting workers would
cost more than the work.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from pipeline.link.blocks import BlockAnswer, Runner, cluster_blocks
from pipeline.settings import Settings

IN_FLIGHT_PER_WORKER = 2
_opened: dict[str, Any] = {}


def cluster_batch(location: str, keys: list[str]) -> list[BlockAnswer]:
    """Cluster a batch of blocks in a worker, with the store at `location` (opened once)."""
    store: Any = _opened.get(location)
    if store is None:
        from pipeline.store import open_store

        store = _opened[location] = open_store(location)
    return cluster_blocks(store, keys)


def _small(work: Iterator[list[str]]) -> tuple[list[list[str]], Iterator[list[str]]]:
    """Return the first two batches and the whole of the work again."""
    head = list(itertools.islice(work, 2))
    return head, itertools.chain(head, work)


def runner_for(settings: Settings, store: Any) -> Runner:
    """Return the runner ingest's settings ask for: Ray with --engine ray, else the local
    pool's size in processes (here for one worker, or a store of one batch)."""

    def run(work: Iterator[list[str]]) -> Iterator[list[BlockAnswer]]:
        head, work = _small(work)
        many = len(head) == 2  # more than one batch: workers are worth starting
        if many and settings.engine == "ray":
            yield from _on_ray(settings, work)
        elif many and settings.worker_count() > 1:
            yield from _in_pool(settings.store, settings.worker_count(), work)
        else:
            yield from (cluster_blocks(store, keys) for keys in work)

    return run


def _bounded(
    submit: Any, work: Iterator[list[str]], limit: int, collect: Any
) -> Iterator[list[BlockAnswer]]:
    """Keep at most `limit` batches out; yield answers as they come, in any order."""
    pending: set[Any] = set()
    for keys in work:
        pending.add(submit(keys))
        while len(pending) >= limit:
            done, pending = collect(pending)
            yield from done
    while pending:
        done, pending = collect(pending)
        yield from done


def _in_pool(location: str, workers: int, work: Iterator[list[str]]) -> Iterator[list[BlockAnswer]]:
    import multiprocessing

    # Spawned, not forked: the driver may hold a loaded spaCy model and open connections.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:

        def collect(pending: set[Future[list[BlockAnswer]]]) -> tuple[list[Any], set[Any]]:
            done, rest = wait(pending, return_when=FIRST_COMPLETED)
            return [f.result() for f in done], rest

        yield from _bounded(
            lambda keys: pool.submit(cluster_batch, location, keys),
            work,
            workers * IN_FLIGHT_PER_WORKER,
            collect,
        )


def _on_ray(settings: Settings, work: Iterator[list[str]]) -> Iterator[list[BlockAnswer]]:
    from pipeline.engines.ray import connect

    with connect(settings) as ray:
        task = ray.remote(num_cpus=1)(cluster_batch)
        cpus = max(int(ray.cluster_resources().get("CPU", 1)), 1)

        def collect(pending: set[Any]) -> tuple[list[Any], set[Any]]:
            done, rest = ray.wait(list(pending), num_returns=1)
            # Ray retries a task whose worker or node died (max_retries), so a lost node
            # costs its batches again, never an answer.
            return ray.get(done), set(rest)

        yield from _bounded(
            lambda keys: task.remote(settings.store, keys),
            work,
            cpus * IN_FLIGHT_PER_WORKER,
            collect,
        )


def resolve_store(store: Any, settings: Settings) -> None:
    """Resolve the store now if it is stale, on the workers the settings name."""
    ensure = getattr(store, "ensure_resolved", None)
    if ensure is not None:
        ensure(runner_for(settings, store))
