// Conformance adapter of the TypeScript SDK (sdks/ts), run by Node over the SDK's built
// package (sdks/ts/dist, which `npm run build` in sdks/ts writes).
//
// It speaks the runner's line protocol (see conformance/protocol/protocol.go): one JSON
// command per line on stdin, one JSON reply per command (same id) and asynchronous events
// on stdout. Commands run concurrently as promises. Named clients are createLockClient
// objects; named locks are Lock objects whose `signal` abort is reported as "lost" unless
// the runner released the lock.
import { createInterface } from "node:readline";
import * as distlock from "../../../sdks/ts/dist/index.js";

const clients = new Map();
let locks = new Map(); // name -> { lock, released }

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function client(name, url) {
  if (!clients.has(name)) clients.set(name, distlock.createLockClient({ baseUrl: url }));
  return clients.get(name);
}

function lockOf(name) {
  const l = locks.get(name);
  if (!l) throw Object.assign(new Error(`adapter: no lock ${name}`), { adapterCode: "unknown" });
  return l;
}

async function handle(cmd) {
  switch (cmd.op) {
    case "hello":
      return { ok: true, target: "ts", caps: ["renewal"] };
    case "acquire": {
      const options = { owner: cmd.owner ?? "", data: new Uint8Array(Buffer.from(cmd.data ?? "", "base64")) };
      if (cmd.ttl_ms != null) options.ttlMs = cmd.ttl_ms;
      // The cases of this protocol mean one attempt when they give no wait; the SDK's own
      // default waits until cancelled.
      options.waitMs = cmd.wait_ms ?? 0;
      const lock = await client(cmd.client, cmd.url).acquire(cmd.resource ?? "", options);
      const entry = { lock, released: false };
      locks.set(cmd.lock, entry);
      const onAbort = () => {
        if (!entry.released) send({ event: "lost", lock: cmd.lock });
      };
      if (lock.signal.aborted) onAbort();
      else lock.signal.addEventListener("abort", onAbort, { once: true });
      return { ok: true, fencing: lock.fencingToken.toString() };
    }
    case "extend": {
      const { lock } = lockOf(cmd.lock);
      await lock.extend(cmd.ttl_ms != null ? { ttlMs: cmd.ttl_ms } : {});
      return { ok: true, fencing: lock.fencingToken.toString() };
    }
    case "release": {
      const entry = lockOf(cmd.lock);
      entry.released = true;
      await entry.lock.release();
      return { ok: true };
    }
    case "info": {
      const info = await client(cmd.client, cmd.url).info(cmd.resource ?? "");
      return {
        ok: true,
        owner: info.owner,
        fencing: info.fencingToken.toString(),
        lock_time_ms: info.lockTime.getTime(),
        expire_time_ms: info.expireTime.getTime(),
      };
    }
    case "read": {
      const data = await client(cmd.client, cmd.url).read(cmd.resource ?? "");
      return { ok: true, data: Buffer.from(data).toString("base64") };
    }
    case "reset": {
      const old = locks;
      locks = new Map();
      clients.clear();
      await Promise.all(
        [...old.values()].map(async (entry) => {
          entry.released = true;
          await entry.lock.release().catch(() => {}); // a case may leave a lock lost or expired
        }),
      );
      return { ok: true };
    }
  }
  return { ok: false, code: "unknown", message: `unsupported op ${cmd.op}` };
}

async function run(cmd) {
  let reply;
  try {
    reply = await handle(cmd);
  } catch (e) {
    const code = e instanceof distlock.DistlockError ? e.code : (e.adapterCode ?? "unknown");
    reply = { ok: false, code, message: String(e?.message ?? e) };
  }
  send({ id: cmd.id, ...reply });
}

const pending = new Set();
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  const p = run(JSON.parse(line)).finally(() => pending.delete(p));
  pending.add(p);
});
rl.on("close", async () => {
  await Promise.all(pending);
});
