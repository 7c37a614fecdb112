"""Python SDK (asyncio) through the service vs pottery's AIORedlock, on the same 3 nodes.

Issue 14's reference cell for Python: acquire+release pairs on distinct keys at c=1 and
c=16, the SDK with coalescing off (the SDK before sessions) and on, against pottery's
``AIORedlock`` (what a Python user would pick instead), in one run on the same three
``redis-server`` processes this script starts (free loopback ports, no persistence).
The service is the real ``distlock serve --redis redis://<nodes>?quarantine=0``, run as a
process of its own, as ``bench/internal/svcbench`` runs it. Implementations run in a
rotated order in each repetition.

CPU is counted as the Go bench counts it, per pair: this process (the SDK or pottery,
with pyqwest's native threads), the ``distlock serve`` process (from /proc) and the Redis
nodes (INFO cpu); the machine is shared, so pairs per CPU-second of all parties together
is the ratio the two would have on a machine that ran nothing else.

Usage (``make bench-python`` does it): ``python bench/python/pottery_pairs.py --distlock
PATH [--reps 3] [--duration 2] [--c 1,16]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import redis
import redis.asyncio as aioredis
from distlock import LockClient
from pottery import AIORedlock

TTL = 30.0
NODES = 3
START_TIMEOUT = 30.0
CLOCK_TICKS = 100  # USER_HZ, the unit of /proc/<pid>/stat's times
# Issue 14's targets for Python: pairs/s at the highest c vs pottery, and c=1 p50 vs its.
TARGET_RATE = 1.0
TARGET_P50 = 3.0

Pair = Callable[[], Awaitable[None]]


@dataclass
class Cpu:
    """CPU seconds used so far by each party."""

    bench: float
    serve: float
    redis: float

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.bench - other.bench, self.serve - other.serve, self.redis - other.redis)

    @property
    def total(self) -> float:
        return self.bench + self.serve + self.redis


@dataclass
class Cell:
    """One measured cell."""

    impl: str
    c: int
    rep: int
    pairs: int
    seconds: float
    latencies: list[float]
    cpu: Cpu

    @property
    def rate(self) -> float:
        return self.pairs / self.seconds

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))]

    def per_pair(self, seconds: float) -> float:
        return seconds / max(1, self.pairs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redis_nodes(tmp: Path) -> Iterator[list[int]]:
    """Starts the nodes; yields their ports."""
    ports = [free_port() for _ in range(NODES)]
    procs = [
        subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(p),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp),
            ],
            stdout=subprocess.DEVNULL,
        )
        for p in ports
    ]
    try:
        for p in ports:
            client = redis.Redis(port=p)
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()


@contextlib.contextmanager
def serve(binary: str, ports: list[int], tmp: Path, procs: int) -> Iterator[tuple[str, int]]:
    """Starts ``distlock serve`` over the nodes; yields its URL and pid.

    ``procs`` is its GOMAXPROCS (0: the Go runtime's default), as the Go bench's
    ``-serve-procs`` (bench/README.md).
    """
    env = dict(os.environ)
    if procs:
        env["GOMAXPROCS"] = str(procs)
    ready = tmp / "ready"
    nodes = ",".join(f"127.0.0.1:{p}" for p in ports)
    with (tmp / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [
                binary,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--ready-file",
                str(ready),
                "--redis",
                f"redis://{nodes}?quarantine=0",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not (ready.exists() and ready.read_text().strip()):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp / "serve.log").read_text()[-2000:])
                time.sleep(0.05)
            yield ready.read_text().strip(), proc.pid
        finally:
            proc.terminate()
            proc.wait()


class Meter:
    """Samples the CPU of this process, the service and the nodes."""

    def __init__(self, serve_pid: int, ports: list[int]) -> None:
        self._pid = serve_pid
        self._nodes = [redis.Redis(port=p) for p in ports]

    def sample(self) -> Cpu:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        stat = Path(f"/proc/{self._pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 1 :].split()
        serve_s = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        redis_s = 0.0
        for node in self._nodes:
            info = node.info("cpu")
            redis_s += float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
        return Cpu(ru.ru_utime + ru.ru_stime, serve_s, redis_s)


async def run_cell(
    impl: str, c: int, rep: int, pairs: list[Pair], duration: float, meter: Meter
) -> Cell:
    """Runs ``c`` workers, worker ``w`` looping on ``pairs[w]`` for ``duration`` seconds."""
    latencies: list[float] = []
    before = meter.sample()
    start = time.perf_counter()
    end = start + duration

    async def worker(pair: Pair) -> None:
        while time.perf_counter() < end:
            t = time.perf_counter()
            await pair()
            latencies.append(time.perf_counter() - t)

    await asyncio.gather(*(worker(pairs[w]) for w in range(c)))
    seconds = time.perf_counter() - start
    cpu = meter.sample() - before
    return Cell(impl, c, rep, len(latencies), seconds, latencies, cpu)


def sdk_pairs(client: LockClient, keys: list[str]) -> list[Pair]:
    def pair(key: str) -> Pair:
        async def run() -> None:
            await (await client.acquire(key, ttl=TTL)).release()

        return run

    return [pair(k) for k in keys]


def pottery_pairs(masters: set[aioredis.Redis], keys: list[str]) -> list[Pair]:
    def pair(key: str) -> Pair:
        lock = AIORedlock(key=key, masters=masters, auto_release_time=TTL)

        async def run() -> None:
            if not await lock.acquire():
                raise RuntimeError("pottery: not acquired")
            await lock.release()

        return run

    return [pair(k) for k in keys]


IMPLS = ("pottery AIORedlock", "SDK asyncio, coalescing off", "SDK asyncio, coalescing on")


async def bench(url: str, ports: list[int], meter: Meter, args: argparse.Namespace) -> list[Cell]:
    masters = {aioredis.Redis(port=p) for p in ports}
    cells: list[Cell] = []
    async with LockClient(url, coalesce=False) as off, LockClient(url) as on:
        for rep in range(args.reps):
            for c in args.c:
                order = IMPLS[rep % len(IMPLS) :] + IMPLS[: rep % len(IMPLS)]
                for impl in order:
                    keys = [f"bench/py/{impl[:3]}/{rep}/{c}/{w}" for w in range(c)]
                    if impl.startswith("pottery"):
                        pairs = pottery_pairs(masters, keys)
                    else:
                        pairs = sdk_pairs(on if impl.endswith("on") else off, keys)
                    for pair in pairs:  # warm up: connections, scripts, first key
                        await pair()
                    cell = await run_cell(impl, c, rep, pairs, args.duration, meter)
                    cells.append(cell)
                    print(
                        f"rep {rep + 1} c={c:<3} {impl:<30} {cell.rate:8.0f} pairs/s "
                        f"p50 {cell.pct(0.5) * 1e3:6.2f} ms "
                        f"CPU/pair {cell.per_pair(cell.cpu.total) * 1e6:5.0f} us",
                        file=sys.stderr,
                        flush=True,
                    )
    for m in masters:
        await m.aclose()
    return cells


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs"


def report(cells: list[Cell], args: argparse.Namespace) -> str:
    out = [
        f"Command: `{' '.join(['pottery_pairs.py', *sys.argv[1:]])}`: {NODES} redis-server "
        f"nodes, distinct keys, TTL {TTL:g} s, {args.reps} reps of {args.duration:g} s per "
        "cell (median; pairs/s range in brackets). CPU per pair: bench = this Python "
        "process, serve = `distlock serve`, Redis = the nodes; pairs per CPU-s = pairs / "
        "(all three). `distlock serve` ran with "
        + (f"GOMAXPROCS={args.serve_procs}." if args.serve_procs else "the Go runtime's GOMAXPROCS."),
        "",
        "| c | impl | pairs/s | p50 pair | p99 pair | CPU/pair bench | serve | Redis | "
        "total | pairs per CPU-s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in args.c:
        for impl in IMPLS:
            cs = [x for x in cells if x.c == c and x.impl == impl]
            rates = [x.rate for x in cs]
            med = statistics.median
            out.append(
                f"| {c} | {impl} | {med(rates):.0f} [{min(rates):.0f}–{max(rates):.0f}] | "
                f"{med(x.pct(0.5) for x in cs) * 1e3:.2f} ms | "
                f"{med(x.pct(0.99) for x in cs) * 1e3:.2f} ms | "
                f"{us(med(x.per_pair(x.cpu.bench) for x in cs))} | "
                f"{us(med(x.per_pair(x.cpu.serve) for x in cs))} | "
                f"{us(med(x.per_pair(x.cpu.redis) for x in cs))} | "
                f"{us(med(x.per_pair(x.cpu.total) for x in cs))} | "
                f"{med(x.pairs / x.cpu.total for x in cs if x.cpu.total > 0):.0f} |"
            )
    out += [
        "",
        "| target (ratios per repetition, median) | coalescing off | on | verdict (on) |",
        "|---|---:|---:|---|",
    ]

    def ratio(c: int, impl: str, f: Callable[[Cell], float], inverse: bool = False) -> float:
        rs = []
        for rep in range(args.reps):
            a = next(x for x in cells if x.rep == rep and x.c == c and x.impl == impl)
            b = next(x for x in cells if x.rep == rep and x.c == c and x.impl == IMPLS[0])
            rs.append(f(b) / f(a) if inverse else f(a) / f(b))
        return statistics.median(rs)

    hi = max(args.c)
    rows = [
        (f"c={hi} pairs/s ≥ 1.0x pottery", lambda x: x.rate, False, lambda r: r >= TARGET_RATE),
        (f"c={hi} pairs per CPU-s vs pottery (info)", lambda x: x.pairs / x.cpu.total, False, None),
    ]
    for name, f, inv, ok in rows:
        r_off, r_on = (ratio(hi, impl, f, inv) for impl in IMPLS[1:])
        verdict = "info" if ok is None else ("met" if ok(r_on) else "**MISSED**")
        out.append(f"| {name} | {r_off:.2f}x | {r_on:.2f}x | {verdict} |")
    if 1 in args.c:
        p50 = [ratio(1, impl, lambda x: x.pct(0.5)) for impl in IMPLS[1:]]
        verdict = "met" if p50[1] <= TARGET_P50 else "**MISSED**"
        out.append(f"| c=1 p50 ≤ 3x pottery's | {p50[0]:.2f}x | {p50[1]:.2f}x | {verdict} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distlock", required=True, help="the distlock binary")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per cell")
    parser.add_argument("--c", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16])
    parser.add_argument(
        "--serve-procs",
        type=int,
        default=1,
        help="GOMAXPROCS of distlock serve (0: the Go runtime's default)",
    )
    args = parser.parse_args()
    if args.serve_procs < 0:
        parser.error("--serve-procs must not be negative")
    if not shutil.which("redis-server"):
        sys.exit("redis-server not found on PATH")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        with redis_nodes(tmp) as ports, serve(args.distlock, ports, tmp, args.serve_procs) as (url, pid):
            cells = asyncio.run(bench(url, ports, Meter(pid, ports), args))
    print(f"## Python SDK vs pottery (nproc {os.cpu_count()}, {time.strftime('%d %b %Y')})\n")
    print(report(cells, args))


if __name__ == "__main__":
    main()
