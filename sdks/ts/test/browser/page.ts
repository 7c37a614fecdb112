// The browser side of browser.spec.ts, bundled by esbuild and loaded from a page whose
// origin differs from the service's, so that every call below is cross-origin (CORS).
// It uses the SDK as a browser app would: through its package name.
import type { Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createLockClient, type DistlockError } from "@distlock/client";

/** Reads a lock's lease token off the wire, which the SDK keeps private, to steal it. */
function tokenCatcher(): { interceptor: Interceptor; token: () => string } {
  let token = "";
  return {
    interceptor: (next) => async (req) => {
      const res = await next(req);
      if (!res.stream && req.method.name === "Acquire") {
        token = (res.message as unknown as { leaseToken: string }).leaseToken;
      }
      return res;
    },
    token: () => token,
  };
}

/** POSTs a JSON request to a LockService method, as `curl` or any web page could. */
async function postJson(baseUrl: string, method: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${baseUrl}/distlock.v1.LockService/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** The methods a client calls, in order. */
function methodLog(): { interceptor: Interceptor; methods: string[] } {
  const methods: string[] = [];
  return {
    interceptor: (next) => (req) => {
      methods.push(req.method.name);
      return next(req);
    },
    methods,
  };
}

// Locks this page holds, so that the test can close the page while they are held.
const held: unknown[] = [];

const api = {
  async acquireAndRelease(baseUrl: string, resource: string) {
    const client = createLockClient({ baseUrl });
    const lock = await client.acquire(resource, { ttlMs: 10_000, owner: "browser", data: "from a page" });
    const info = await client.info(resource);
    const data = new TextDecoder().decode(await client.read(resource));
    await lock.release();
    return {
      fencingToken: lock.fencingToken.toString(),
      isBigint: typeof lock.fencingToken === "bigint",
      owner: info.owner,
      data,
      abortedOnRelease: lock.signal.aborted,
    };
  },

  async lostLockAborts(baseUrl: string, resource: string) {
    const catcher = tokenCatcher();
    // Renewal calls on a timer, which a page uses only when it asks for them.
    const client = createLockClient({
      transport: createConnectTransport({ baseUrl, interceptors: [catcher.interceptor] }),
      hold: false,
    });
    const lock = await client.acquire(resource, { ttlMs: 5_000 });
    const aborted = new Promise<void>((resolve) => lock.signal.addEventListener("abort", () => resolve()));
    // Another party releases the lease; the next renewal finds it gone.
    const stolen = await postJson(baseUrl, "Release", { resource, leaseToken: catcher.token() });
    await aborted;
    const reason = lock.signal.reason as DistlockError;
    return { stolenStatus: stolen.status, reasonName: reason.name, reasonCode: reason.code, message: reason.message };
  },

  async plainFetchAcquire(baseUrl: string, resource: string) {
    const acquired = await postJson(baseUrl, "Acquire", { resource, ttl: "10s", owner: "plain fetch" });
    const grant = acquired.json as { leaseToken: string; fencingToken: string };
    const info = await postJson(baseUrl, "Info", { resource });
    const released = await postJson(baseUrl, "Release", { resource, leaseToken: grant.leaseToken });
    return { acquired, info, released };
  },

  /** Takes a lock as a page does by default, keeps it, and reports which calls that made. */
  async holdByDefault(baseUrl: string, resource: string, ttlMs: number) {
    const log = methodLog();
    const client = createLockClient({ transport: createConnectTransport({ baseUrl, interceptors: [log.interceptor] }) });
    const lock = await client.acquire(resource, { ttlMs, owner: "tab" });
    held.push(lock);
    return { methods: [...log.methods], fencingToken: lock.fencingToken.toString() };
  },

  /** Watches resource while the page takes and releases it; returns the events' kinds. */
  async watchTakeRelease(baseUrl: string, resource: string) {
    const client = createLockClient({ baseUrl });
    const kinds: string[] = [];
    const owners: string[] = [];
    let lock: { release(): Promise<void> } | undefined;
    for await (const ev of client.watch(resource)) {
      kinds.push(ev.kind);
      owners.push(ev.holder?.owner ?? "");
      if (ev.kind === "synced") {
        lock = await client.acquire(resource, { owner: "watcher's page" });
      } else if (ev.kind === "granted") {
        await lock!.release();
      } else if (ev.kind === "released") {
        break;
      }
    }
    return { kinds, owners };
  },

  async acquireError(baseUrl: string, resource: string, token?: string) {
    try {
      await createLockClient({ baseUrl, ...(token ? { token } : {}) }).acquire(resource, { waitMs: 0 });
      return "acquired";
    } catch (e) {
      return (e as Error).name;
    }
  },

  /** Takes a lock with a token, through a provider as an app that refreshes tokens would. */
  async acquireWithToken(baseUrl: string, token: string, resource: string) {
    let provided = 0;
    const client = createLockClient({
      baseUrl,
      token: async () => {
        provided++;
        return token;
      },
    });
    const lock = await client.acquire(resource, { owner: "browser", waitMs: 0 });
    const info = await client.info(resource);
    await lock.release();
    return { owner: info.owner, fencingToken: lock.fencingToken.toString(), provided };
  },

  /** A same-origin call from this page, as a page whose name was re-pointed at the service makes it. */
  async sameOriginAcquire(token: string, resource: string) {
    const res = await fetch(`/distlock.v1.LockService/Acquire`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ resource }),
    });
    return { status: res.status, body: await res.text() };
  },
};

export type PageApi = typeof api;
(globalThis as unknown as { distlockTest: PageApi }).distlockTest = api;
