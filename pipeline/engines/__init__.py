"""Where the per-document work runs: the local process pool (default) or a Ray cluster.

An engine takes the planned Tasks and yields one Outcome per task, in task order, so the
ingest batch writes the store in the same order whichever engine computed the outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from pipeline.workers import Outcome, Task

ENGINES = ("local", "ray")


class Engine(Protocol):
    """Runs tasks somewhere and yields their outcomes in task order."""

    peak_workers: int
    started_workers: int

    def run(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        """Yield one Outcome per task, in the order the tasks came."""
        ...

    def close(self, graceful: bool = True) -> None:
        """Release the workers."""
        ...
