"""Measures acquire+release pairs per second through the SDK against a running service.

Usage: ``python bench/pairs.py http://127.0.0.1:8080 [pairs]``. Start the service with
``go run ./cmd/distlock serve``. Figures depend on the machine and its load: compare runs
made on the same machine only.
"""

from __future__ import annotations

import asyncio
import sys
import time

from distlock import LockClient, LockClientSync

RESOURCES = 10


def sync_pairs(url: str, n: int) -> float:
    """Returns sequential pairs per second with the synchronous client."""
    with LockClientSync(url) as client:
        start = time.perf_counter()
        for i in range(n):
            client.acquire(f"bench/sync/{i % RESOURCES}").release()
        return n / (time.perf_counter() - start)


async def async_pairs(url: str, n: int, concurrency: int) -> float:
    """Returns pairs per second with ``concurrency`` tasks, each on its own resource."""

    async def worker(client: LockClient, w: int) -> None:
        for _ in range(n // concurrency):
            await (await client.acquire(f"bench/async/{concurrency}/{w}")).release()

    async with LockClient(url) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client, w) for w in range(concurrency)))
        return n / (time.perf_counter() - start)


def main() -> None:
    """Prints the pair rates of the sync client and of the async client at 1 and 10 tasks."""
    url = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300  # noqa: PLR2004 -- argv[2] is optional
    print(f"sync, sequential:  {sync_pairs(url, n):6.0f} pairs/s")
    for concurrency in (1, RESOURCES):
        rate = asyncio.run(async_pairs(url, n, concurrency))
        print(f"async, {concurrency:2d} tasks:   {rate:6.0f} pairs/s")


if __name__ == "__main__":
    main()
