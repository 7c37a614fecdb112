// Conformance adapter of the TypeScript SDK (sdks/ts), run by Node over the SDK's built
// package (sdks/ts/dist). It speaks the adapter protocol of
// proto/distlock/conformance/v1/adapter.proto with its generated messages: one protojson
// AdapterRequest per line on stdin, one AdapterResponse per line on stdout. Requests run
// concurrently as promises; a lock whose `signal` aborts is reported lost, with
// `signal.reason`, unless the runner released it. A hold is an acquire by the client made
// with `hold: true` (the SDK's Hold stream); a watch sends each event the SDK yields. A
// session is the client's `session({ ttlMs })`, whose `acquire` takes locks it renews.
import { createInterface } from "node:readline";
import { create, fromJsonString, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, type Duration } from "@bufbuild/protobuf/wkt";
// The Node entry, as Node users get it (the package's "node" export condition): its
// default transport is HTTP/2 (connect-node); fetch is covered by the SDK's own tests.
import * as distlock from "../../../../sdks/ts/dist/node.js";
import {
  AdapterRequestSchema,
  AdapterResponseSchema,
  ReplySchema,
  type AcquireRequest,
  type AdapterRequest,
  type HoldRequest,
  type WatchRequest,
  type Error as WireError,
  type ReleaseRequest,
  type SessionRequest,
} from "./gen/distlock/conformance/v1/adapter_pb.js";

type Reply = MessageInitShape<typeof ReplySchema>;

interface Held {
  lock: distlock.Lock;
  released: boolean;
  // For a lock held in an `await using` block: leave ends the block, left is what
  // left it (undefined when nothing was thrown).
  leave?: (raise: boolean) => void;
  left?: Promise<unknown>;
}

const bodyError = new Error("the block's body raised");
const clients = new Map<string, distlock.LockClient>();
// The clients that acquire over a Hold stream, by the same names.
const holdClients = new Map<string, distlock.LockClient>();
let locks = new Map<string, Held>();
// Sessions by name, with the names of the locks taken in each.
let sessions = new Map<string, { session: distlock.Session; locks: string[] }>();
// Aborting ends the watches of the case.
let watches = new AbortController();

function send(msg: MessageInitShape<typeof AdapterResponseSchema>): void {
  process.stdout.write(toJsonString(AdapterResponseSchema, create(AdapterResponseSchema, msg)) + "\n");
}

function ms(d: Duration | undefined): number | undefined {
  return d === undefined ? undefined : Number(d.seconds) * 1000 + d.nanos / 1e6;
}

function errorOf(e: unknown): MessageInitShape<typeof ReplySchema>["error"] {
  const suppressed = (e as { name?: string; suppressed?: unknown })?.suppressed;
  if (e === bodyError || (e as Error)?.name === "SuppressedError" && suppressed === bodyError) {
    return { code: "body", message: String((e as Error).message) };
  }
  const code = e instanceof distlock.DistlockError ? e.code : "unknown";
  return { code, message: String((e as Error)?.message ?? e) } satisfies Partial<WireError>;
}

function client(name: string, url: string, callTimeoutMs?: number, token?: string): distlock.LockClient {
  let c = clients.get(name);
  if (!c) {
    c = distlock.createLockClient({
      baseUrl: url,
      ...(callTimeoutMs !== undefined ? { callTimeoutMs } : {}),
      ...(token ? { token } : {}),
    });
    clients.set(name, c);
  }
  return c;
}

function held(name: string): Held {
  const h = locks.get(name);
  if (!h) throw new Error(`adapter: no lock ${name}`);
  return h;
}

function acquireOptions(m: AcquireRequest | HoldRequest): distlock.AcquireOptions {
  const ttlMs = ms(m.ttl);
  const waitMs = ms(m.wait);
  return {
    owner: m.owner,
    data: m.data,
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    ...(waitMs !== undefined ? { waitMs } : {}),
  };
}

function openSession(m: SessionRequest): Reply {
  const ttlMs = ms(m.ttl);
  sessions.set(m.session, { session: client(m.client, m.url).session(ttlMs !== undefined ? { ttlMs } : {}), locks: [] });
  return {};
}

function sessionOf(name: string): { session: distlock.Session; locks: string[] } {
  const s = sessions.get(name);
  if (!s) throw new Error(`adapter: no session ${name}`);
  return s;
}

// closeSession closes a session for the runner: the locks it releases are not lost.
async function closeSession(name: string): Promise<Reply> {
  const s = sessionOf(name);
  for (const l of s.locks) {
    const h = locks.get(l);
    if (h) h.released = true;
  }
  await s.session.close();
  return {};
}

async function acquire(m: AcquireRequest): Promise<Reply> {
  if (m.session) {
    const s = sessionOf(m.session);
    const lock = await s.session.acquire(m.resource, { owner: m.owner, data: m.data });
    s.locks.push(m.lock);
    return keep(m.lock, { lock, released: false });
  }
  const options = acquireOptions(m);
  const c = client(m.client, m.url);
  if (m.scoped) {
    return keep(m.lock, await scoped(() => c.acquire(m.resource, options)));
  }
  return keep(m.lock, { lock: await c.acquire(m.resource, options), released: false });
}

async function hold(m: HoldRequest): Promise<Reply> {
  let c = holdClients.get(m.client);
  if (!c) {
    c = distlock.createLockClient({ baseUrl: m.url, hold: true });
    holdClients.set(m.client, c);
  }
  const onWaiting = (w: distlock.WaitingFor): void => {
    const waiting = { owner: w.owner, fencingToken: w.fencingToken };
    send({ kind: { case: "event", value: { lock: m.lock, kind: { case: "waiting", value: waiting } } } });
  };
  return keep(m.lock, { lock: await c.acquire(m.resource, { ...acquireOptions(m), onWaiting }), released: false });
}

// keep names a granted lock and reports its loss unless the runner released it.
function keep(name: string, h: Held): Reply {
  locks.set(name, h);
  const onAbort = () => {
    if (!h.released) send({ kind: { case: "event", value: { lock: name, kind: { case: "lost", value: { reason: errorOf(h.lock.signal.reason) } } } } });
  };
  if (h.lock.signal.aborted) onAbort();
  else h.lock.signal.addEventListener("abort", onAbort, { once: true });
  return { result: { case: "lock", value: { fencingToken: h.lock.fencingToken } } };
}

function watchHolder(info: distlock.LockInfo | undefined): { owner: string; fencingToken: bigint } | undefined {
  return info === undefined ? undefined : { owner: info.owner, fencingToken: info.fencingToken };
}

// watch sends the watch's events until the case's reset aborts it.
function watch(m: WatchRequest): Reply {
  const { signal } = watches;
  const events = client(m.client, m.url).watch(m.resource, { prefix: m.prefix, signal });
  const emit = (value: MessageInitShape<typeof AdapterResponseSchema>): void => {
    if (!signal.aborted) send(value);
  };
  void (async () => {
    try {
      for await (const ev of events) {
        const holder = watchHolder(ev.holder);
        const previous = watchHolder(ev.previous);
        emit({ kind: { case: "event", value: { lock: m.watch, kind: { case: "watch", value: {
          kind: ev.kind, resource: ev.resource, ...(holder ? { holder } : {}), ...(previous ? { previous } : {}),
        } } } } });
      }
    } catch (e) {
      emit({ kind: { case: "event", value: { lock: m.watch, kind: { case: "watch", value: { kind: "ended", error: errorOf(e) } } } } });
    }
  })();
  return {};
}

// scoped holds the lock in an `await using` block until leave is called.
function scoped(take: () => Promise<distlock.Lock>): Promise<Held> {
  return new Promise<Held>((granted, refused) => {
    let leave!: (raise: boolean) => void;
    const leaving = new Promise<boolean>((resolve) => (leave = resolve));
    const block = async () => {
      await using lock = await take();
      granted({ lock, released: false, leave, left });
      if (await leaving) throw bodyError;
    };
    const left: Promise<unknown> = block().then(
      () => undefined,
      (e: unknown) => e,
    );
    left.then((e) => refused(e)); // no effect once granted
  });
}

async function release(m: ReleaseRequest): Promise<Reply> {
  const h = held(m.lock);
  h.released = true;
  if (h.leave && h.left) {
    h.leave(m.raiseInBlock);
    const e = await h.left;
    return e === undefined ? {} : { error: errorOf(e) };
  }
  await h.lock.release();
  return {};
}

async function handle(req: AdapterRequest): Promise<Reply> {
  const op = req.op;
  switch (op.case) {
    case "hello":
      return { result: { case: "hello", value: { target: "ts", capabilities: ["renewal", "policy", "scope", "hold", "watch", "session"] } } };
    case "newClient":
      client(op.value.client, op.value.url, ms(op.value.callTimeout), op.value.token);
      return {};
    case "acquire":
      return acquire(op.value);
    case "hold":
      return hold(op.value);
    case "watch":
      return watch(op.value);
    case "session":
      return openSession(op.value);
    case "closeSession":
      return closeSession(op.value.session);
    case "extend": {
      const { lock } = held(op.value.lock);
      const ttlMs = ms(op.value.ttl);
      await lock.extend(ttlMs !== undefined ? { ttlMs } : {});
      return { result: { case: "lock", value: { fencingToken: lock.fencingToken } } };
    }
    case "release":
      return release(op.value);
    case "info": {
      const info = await client(op.value.client, op.value.url).info(op.value.resource);
      return {
        result: {
          case: "info",
          value: {
            owner: info.owner,
            fencingToken: info.fencingToken,
            lockTime: timestampFromDate(info.lockTime),
            expireTime: timestampFromDate(info.expireTime),
          },
        },
      };
    }
    case "read": {
      const data = await client(op.value.client, op.value.url).read(op.value.resource);
      return { result: { case: "read", value: { data } } };
    }
    case "reset": {
      const old = locks;
      const oldSessions = sessions;
      locks = new Map();
      sessions = new Map();
      clients.clear();
      holdClients.clear();
      watches.abort();
      watches = new AbortController();
      await Promise.all(
        [...old.values()].map(async (h) => {
          h.released = true;
          h.leave?.(false);
          await (h.left ?? h.lock.release()).catch(() => {}); // a case may leave a lock lost
        }),
      );
      // Their locks are released: closing ends their renewal timers.
      await Promise.all([...oldSessions.values()].map((s) => s.session.close().catch(() => {})));
      return {};
    }
  }
  return { error: { code: "unknown", message: `unsupported op ${String(op.case)}` } };
}

async function run(line: string): Promise<void> {
  const req = fromJsonString(AdapterRequestSchema, line);
  let reply: Reply;
  try {
    reply = await handle(req);
  } catch (e) {
    reply = { error: errorOf(e) };
  }
  send({ kind: { case: "reply", value: { ...reply, id: req.id } } });
}

const pending = new Set<Promise<void>>();
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  const p = run(line).finally(() => pending.delete(p));
  pending.add(p);
});
rl.on("close", () => {
  void Promise.all(pending);
});
