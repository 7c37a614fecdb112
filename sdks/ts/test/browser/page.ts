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
    const client = createLockClient({
      transport: createConnectTransport({ baseUrl, interceptors: [catcher.interceptor] }),
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

  async acquireError(baseUrl: string, resource: string) {
    try {
      await createLockClient({ baseUrl }).acquire(resource, { waitMs: 0 });
      return "acquired";
    } catch (e) {
      return (e as Error).name;
    }
  },
};

export type PageApi = typeof api;
(globalThis as unknown as { distlockTest: PageApi }).distlockTest = api;
