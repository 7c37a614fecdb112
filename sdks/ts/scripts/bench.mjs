// Measures acquire+release pairs through the SDK against a local `distlock serve` (three
// embedded Redis servers): sequential on one resource, then 16 concurrent clients on
// distinct resources. Run `npm test` (or build + tsc -p tsconfig.test.json) first.
// Usage: node scripts/bench.mjs [pairs=300]
import { createLockClient } from "../dist/index.js";
import { startServer } from "../build/test/server.js";

const pairs = Number(process.argv[2] ?? 300);
const server = await startServer();
try {
  const client = createLockClient({ baseUrl: server.url });
  const pct = (xs, p) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))].toFixed(2);

  async function run(label, workers, resourceOf) {
    const lat = [];
    const start = performance.now();
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let i = 0; i < pairs / workers; i++) {
          const t = performance.now();
          const lock = await client.acquire(resourceOf(w), { waitMs: 10_000 });
          await lock.release();
          lat.push(performance.now() - t);
        }
      }),
    );
    const secs = (performance.now() - start) / 1000;
    console.log(`${label}: ${lat.length} pairs in ${secs.toFixed(2)} s = ${(lat.length / secs).toFixed(0)} pairs/s; pair p50 ${pct(lat, 0.5)} ms, p99 ${pct(lat, 0.99)} ms`);
  }

  await run("warm-up", 1, () => "bench/warm");
  await run("sequential, 1 resource", 1, () => "bench/one");
  await run("16 clients, 16 resources", 16, (w) => `bench/r${w}`);
  await run("16 clients, 1 resource", 16, () => "bench/hot");
} finally {
  await server.close();
}
