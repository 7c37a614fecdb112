// The TypeScript SDK through `distlock serve` against node-redlock (redlock 4.2.0 over
// ioredis), on the same three redis-server nodes, in one run: acquire → release pairs on
// distinct keys (each worker a key of its own) at c=1 and c=16, with the SDK as it was
// ("before": fetch, one request per call) and as it is ("after": node:http and coalescing),
// and the HTTP floor: the least any HTTP service over the core costs on this machine.
// Client, service and Redis share the machine's CPUs, so every cell also records the CPU
// time of each party per pair: this process (the client), `distlock serve` (/proc) and the
// nodes (INFO cpu). `make bench-ts` runs it; the SDK is imported from sdks/ts/dist.
//
// Usage: node bench.mjs [--distlock PATH] [--reps 3] [--seconds 2] [--variants] [--serve-procs 1]
// --serve-procs is the service's GOMAXPROCS (0: the Go runtime's default), as the Go
// bench's -serve-procs (bench/README.md).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { connect, createServer } from "node:net";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Redis from "ioredis";
import Redlock from "redlock";
import { createLockClient } from "../../sdks/ts/dist/node.js";

const { values: args } = parseArgs({
  options: {
    distlock: { type: "string" },
    reps: { type: "string", default: "3" },
    seconds: { type: "string", default: "2" },
    variants: { type: "boolean", default: false },
    "serve-procs": { type: "string", default: "1" },
  },
});
const serveProcs = Number(args["serve-procs"]);
if (!Number.isInteger(serveProcs) || serveProcs < 0) {
  throw new Error(`--serve-procs ${args["serve-procs"]}: want a whole number, 0 or more`);
}
const reps = Number(args.reps);
const cellMs = Number(args.seconds) * 1000;
const TTL_MS = 30_000;
const repo = new URL("../..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "distlock-bench-ts-"));
const children = [];
process.on("exit", () => {
  children.forEach((c) => c.kill("SIGKILL"));
  rmSync(tmp, { recursive: true, force: true });
});

async function freePort() {
  const s = createServer();
  await new Promise((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function startRedis() {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  children.push(child);
  // Wait for the port, then connect: ioredis keeps reconnecting on its own otherwise.
  for (;;) {
    const up = await new Promise((resolve) => {
      const sock = connect(port, "127.0.0.1", () => (sock.destroy(), resolve(true)));
      sock.on("error", () => resolve(false));
    });
    if (up) {
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = new Redis({ port, host: "127.0.0.1" });
  await client.ping();
  return { addr: `127.0.0.1:${port}`, client };
}

async function startServe(addrs) {
  let bin = args.distlock;
  if (!bin) {
    bin = join(tmp, "distlock");
    execFileSync("go", ["build", "-o", bin, "./cmd/distlock"], { cwd: repo, stdio: "inherit" });
  }
  const ready = join(tmp, "ready");
  const child = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--log-level", "info", "--ready-file", ready, "--redis", `redis://${addrs.join(",")}?quarantine=0`], {
    stdio: ["ignore", "ignore", "inherit"],
    env: serveProcs > 0 ? { ...process.env, GOMAXPROCS: String(serveProcs) } : process.env,
  });
  children.push(child);
  for (;;) {
    try {
      const url = readFileSync(ready, "utf8").trim();
      if (url.startsWith("http")) {
        return { url, pid: child.pid };
      }
    } catch {
      // not written yet
    }
    if (child.exitCode !== null) {
      throw new Error(`distlock serve exited (${child.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The HTTP floor (bench/internal/floor): a net/http handler over the same core, no
// Connect, in a server process of its own with the service's GOMAXPROCS; the Go bench
// binary serves it when started with DISTLOCK_BENCH_FLOOR_NODES. It is the least any HTTP
// service over the core costs here: a target it misses too is blocked, not missed.
async function startFloor(addrs) {
  const bin = join(tmp, "distlock-bench");
  execFileSync("go", ["build", "-o", bin, "."], { cwd: join(repo, "bench"), stdio: "inherit" });
  const env = { ...process.env, DISTLOCK_BENCH_FLOOR_NODES: addrs.join(",") };
  if (serveProcs > 0) {
    env.GOMAXPROCS = String(serveProcs);
  }
  // Killed with the other children when this process exits.
  const child = spawn(bin, [], { stdio: ["ignore", "pipe", "inherit"], env });
  children.push(child);
  const [line] = await Promise.race([
    createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value]),
    new Promise((_, reject) => child.on("exit", (code) => reject(new Error(`floor server exited (${code})`)))),
  ]);
  return { url: line.trim(), pid: child.pid };
}

const nodes = await Promise.all([startRedis(), startRedis(), startRedis()]);
const serve = await startServe(nodes.map((n) => n.addr));
const floorSrv = await startFloor(nodes.map((n) => n.addr));

// CPU time so far, in µs, of each party.
async function cpu() {
  const self = process.cpuUsage();
  // Both server processes: the idle one adds next to nothing.
  let serveUs = 0;
  for (const pid of [serve.pid, floorSrv.pid]) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    serveUs += (Number(f[11]) + Number(f[12])) * 10_000; // USER_HZ = 100
  }
  let redisUs = 0;
  for (const n of nodes) {
    const info = await n.client.info("cpu");
    const get = (k) => Number(info.match(new RegExp(`${k}:([0-9.]+)`))[1]);
    redisUs += (get("used_cpu_sys") + get("used_cpu_user")) * 1e6;
  }
  return { client: self.user + self.system, serve: serveUs, redis: redisUs };
}

// Each implementation: lock(key) resolves with an unlock function.
function nodeRedlock() {
  const redlock = new Redlock(
    nodes.map((n) => n.client),
    { retryCount: 10, retryDelay: 200, retryJitter: 200 },
  );
  return async (key) => {
    const lock = await redlock.lock(key, TTL_MS);
    return () => lock.unlock();
  };
}
function sdk(options) {
  const client = createLockClient({ baseUrl: serve.url, ...options });
  return async (key) => {
    const lock = await client.acquire(key, { ttlMs: TTL_MS, waitMs: 5_000 });
    return () => lock.release();
  };
}
// The floor's protocol (bench/internal/floor/floor.go) over node:http, kept-alive
// connections, each body written with its headers.
function floor() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const { hostname, port } = new URL(floorSrv.url);
  const post = (path, body) =>
    new Promise((resolve, reject) => {
      const req = http.request({ hostname, port, path, method: "POST", agent, headers: { "content-length": body.length } }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`floor ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`))));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  return async (key) => {
    const head = Buffer.alloc(16);
    head.writeBigUInt64BE(BigInt(TTL_MS), 0);
    head.writeBigUInt64BE(5_000n, 8);
    const id = await post("/acquire", Buffer.concat([head, Buffer.from(key)]));
    return () => post("/release", id);
  };
}
const FLOOR = "HTTP floor (node:http over the core)";
const impls = [
  { name: "node-redlock 4.2.0", make: nodeRedlock },
  { name: FLOOR, make: floor },
  // --variants: each change alone, to tell what the transport and coalescing each bring.
  ...(args.variants ? [
    { name: "SDK HTTP/2 unary", make: () => sdk({ httpVersion: "2", coalesce: false }) },
    { name: "SDK fetch coalescing", make: () => sdk({ httpVersion: "fetch" }) },
    { name: "SDK node:http unary", make: () => sdk({ coalesce: false }) },
  ] : []),
  // The default before node:http: connect-node's HTTP/2 transport.
  { name: "SDK HTTP/2, coalescing", make: () => sdk({ httpVersion: "2" }) },
  // The last two rows are the target table's "before" and "after".
  { name: "SDK before (fetch, unary)", make: () => sdk({ httpVersion: "fetch", coalesce: false }) },
  { name: "SDK after (node:http, coalescing)", make: () => sdk({}) },
];

async function runCell(lock, c, prefix) {
  const lat = [];
  let failed = 0;
  const start = performance.now();
  const end = start + cellMs;
  await Promise.all(
    Array.from({ length: c }, async (_, w) => {
      const key = `${prefix}/${w}`;
      while (performance.now() < end) {
        const t = performance.now();
        try {
          const unlock = await lock(key);
          await unlock();
          lat.push(performance.now() - t);
        } catch {
          failed++;
        }
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN;
  return { pairs: lat.length, rate: lat.length / secs, p50: pct(0.5), p99: pct(0.99), failed };
}

const cells = new Map(); // `${impl}|${c}` → results of the repetitions
// BENCH_ONLY=after (a part of a name) runs that row alone, e.g. under --cpu-prof.
const made = impls.filter((i) => !process.env.BENCH_ONLY || i.name.includes(process.env.BENCH_ONLY)).map((i) => ({ ...i, lock: i.make() }));
// Warm-up: connections, JIT, the scripts loaded on the nodes.
for (const m of made) {
  await runCell(m.lock, 16, `warm/${m.name}`);
}
for (let r = 0; r < reps; r++) {
  for (const c of [1, 16]) {
    for (let k = 0; k < made.length; k++) {
      const m = made[(k + r) % made.length]; // rotated order
      const before = await cpu();
      const res = await runCell(m.lock, c, `bench/${r}/${c}/${k}`);
      const after = await cpu();
      res.cpu = { client: after.client - before.client, serve: after.serve - before.serve, redis: after.redis - before.redis };
      const key = `${m.name}|${c}`;
      cells.set(key, [...(cells.get(key) ?? []), res]);
      const perPair = (res.cpu.client + res.cpu.serve + res.cpu.redis) / res.pairs;
      console.error(`rep ${r + 1} c=${String(c).padStart(2)} ${m.name.padEnd(32)} ${res.rate.toFixed(0).padStart(6)} pairs/s p50 ${res.p50.toFixed(2)} ms CPU/pair ${perPair.toFixed(0)} µs failed ${res.failed}`);
    }
  }
}

// Lock keys left on the nodes (keys with a TTL): zero unless something leaked.
let left = 0;
for (const n of nodes) {
  for (const key of await n.client.keys("*")) {
    const ttl = await n.client.pttl(key);
    if (ttl > 0 && ttl <= TTL_MS) {
      left++;
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const us = (x) => `${Math.round(x)} µs`;
const ms = (x) => `${x.toFixed(2)} ms`;
const row = (name, c) => {
  const rs = cells.get(`${name}|${c}`);
  const per = (k) => median(rs.map((r) => r.cpu[k] / r.pairs));
  const total = median(rs.map((r) => (r.cpu.client + r.cpu.serve + r.cpu.redis) / r.pairs));
  return { rate: median(rs.map((r) => r.rate)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), client: per("client"), serve: per("serve"), redis: per("redis"), total, failed: rs.reduce((a, r) => a + r.failed, 0) };
};
const out = [];
out.push(
  `Command: \`node bench/ts/bench.mjs --reps ${reps} --seconds ${cellMs / 1000} --serve-procs ${serveProcs}\` — 3 redis-server nodes, distinct keys, TTL 30 s; median of ${reps} reps; \`distlock serve\` ran with ${serveProcs > 0 ? `GOMAXPROCS=${serveProcs}` : "the Go runtime's GOMAXPROCS"}.`,
  "",
);
out.push("| impl | c | pairs/s | p50 pair | p99 pair | CPU/pair client | serve | Redis | total | failed |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const c of [1, 16]) {
  for (const { name } of impls) {
    const x = row(name, c);
    out.push(`| ${name} | ${c} | ${x.rate.toFixed(0)} | ${ms(x.p50)} | ${ms(x.p99)} | ${us(x.client)} | ${us(x.serve)} | ${us(x.redis)} | ${us(x.total)} | ${x.failed} |`);
  }
}
const [redlock, before, after] = [impls[0].name, impls.at(-2).name, impls.at(-1).name];
out.push("", "| target | before | after | HTTP floor | verdict (after) |", "|---|---:|---:|---:|---|");
const ratio16 = (n) => row(n, 16).rate / row(redlock, 16).rate;
const cpuRatio16 = (n) => row(redlock, 16).total / row(n, 16).total;
const p50Ratio = (n) => row(n, 1).p50 / row(redlock, 1).p50;
// A target the floor misses as well is out of reach of any HTTP service over the core here.
const verdict = (ok) => (ok(after) ? "met" : ok(FLOOR) ? "**MISSED**" : "**BLOCKED** (floor misses)");
const x = (v) => `${v.toFixed(2)}x`;
out.push(`| c=16 pairs/s ≥ 0.5x node-redlock | ${x(ratio16(before))} | ${x(ratio16(after))} | ${x(ratio16(FLOOR))} | ${verdict((n) => ratio16(n) >= 0.5)} |`);
out.push(`| c=16 pairs per CPU-second (all parties) vs node-redlock | ${x(cpuRatio16(before))} | ${x(cpuRatio16(after))} | ${x(cpuRatio16(FLOOR))} | (at equal CPU) |`);
out.push(`| c=1 p50 ≤ 3x node-redlock's | ${x(p50Ratio(before))} | ${x(p50Ratio(after))} | ${x(p50Ratio(FLOOR))} | ${verdict((n) => p50Ratio(n) <= 3)} |`);
out.push("", `Lock keys left on the nodes at the end: ${left}.`);
console.log(out.join("\n"));
nodes.forEach((n) => n.client.disconnect());
process.exit(0);
