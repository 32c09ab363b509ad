"""Where build jobs run: the local process pool (build.execute), a Dask distributed cluster, or one shard of
the plan (for a CI matrix). The jobs and their results are the same whichever runs them."""

from __future__ import annotations

import re
from typing import Callable, Sequence, TypeVar

from handout_pipeline.errors import BuildCrashed, HandoutError

T = TypeVar("T")
# How long to wait for a Dask scheduler to answer before saying it cannot be reached.
CONNECT_TIMEOUT = 10.0
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str) -> tuple[int, int]:
    """'2/4' -> (2, 4): this machine does the second quarter of the work."""
    match = _SHARD.match(text or "")
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise HandoutError(f"--shard {text!r} is not I/N with 1 <= I <= N",
                           hint="write e.g. --shard 1/4 ... --shard 4/4, one per CI job")
    return int(match.group(1)), int(match.group(2))


def shard(items: Sequence[T], index: int, count: int) -> list[T]:
    """Every count-th item starting at the index-th: the shards together hold every item exactly once, and
    as the plan lists the slowest languages first, each shard gets its share of them."""
    return list(items[index - 1::count])


def dask_execute(jobs: list, address: str, on_result: Callable, run: Callable) -> list:
    """Run `run(job)` for every job on the Dask cluster whose scheduler is at `address`; each worker needs this
    package installed and the content root at the same path (a shared folder)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise HandoutError("the Dask executor needs the 'distributed' package",
                           hint="pip install 'handout-pipeline[dask]', or build without --executor dask") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise HandoutError(f"cannot reach the Dask scheduler at {address!r} ({reason})",
                           hint="start one ('dask scheduler', then 'dask worker ADDRESS' on each machine) "
                                "or correct --scheduler") from None
    results = []
    try:
        with client.as_current():
            for future in as_completed(client.map(run, jobs, pure=False)):
                try:
                    done = future.result()
                except Exception as exc:  # a worker died (KilledWorker) or lost the connection
                    raise BuildCrashed(f"a Dask worker failed ({type(exc).__name__}: {exc}); every file already "
                                       "written is complete: run 'handout build' again") from None
                for result in done:
                    results.append(result)
                    on_result(result)
    finally:
        client.close()
    return results
