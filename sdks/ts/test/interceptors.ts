import type { Interceptor } from "@connectrpc/connect";

/**
 * Test hooks on a client's calls, as a Connect interceptor: the lease token of every
 * granted Acquire (which the SDK keeps private), and events for requests sent and
 * renewals answered.
 */
export interface CallSpy {
  readonly interceptor: Interceptor;
  /** The lease token of the last lock granted on resource. */
  tokenOf(resource: string): string;
  /** How many calls of method (e.g. "Extend") succeeded. */
  succeeded(method: string): number;
  /** Resolves when the next request of method is sent. */
  sent(method: string): Promise<void>;
  /** Resolves once n calls of method have succeeded. */
  succeededTimes(method: string, n: number): Promise<void>;
  /** How many requests were sent, of any method. */
  readonly calls: number;
}

export function createCallSpy(): CallSpy {
  const tokens = new Map<string, string>();
  const successes = new Map<string, number>();
  let listeners: { method: string; when: "sent" | "ok"; n: number; resolve: () => void }[] = [];
  let calls = 0;

  const notify = (method: string, when: "sent" | "ok", n: number): void => {
    const ready = listeners.filter((l) => l.method === method && l.when === when && n >= l.n);
    listeners = listeners.filter((l) => !ready.includes(l));
    ready.forEach((l) => l.resolve());
  };

  const interceptor: Interceptor = (next) => async (req) => {
    const method = req.method.name;
    calls++;
    notify(method, "sent", Infinity);
    const res = await next(req);
    if (!res.stream) {
      const message = res.message as { resource?: unknown; leaseToken?: unknown };
      if (method === "Acquire" && typeof message.resource === "string" && typeof message.leaseToken === "string") {
        tokens.set(message.resource, message.leaseToken);
      }
    }
    const n = (successes.get(method) ?? 0) + 1;
    successes.set(method, n);
    notify(method, "ok", n);
    return res;
  };

  return {
    interceptor,
    tokenOf(resource) {
      const t = tokens.get(resource);
      if (t === undefined) {
        throw new Error(`no lease token seen for ${resource}`);
      }
      return t;
    },
    succeeded: (method) => successes.get(method) ?? 0,
    sent: (method) => new Promise((resolve) => listeners.push({ method, when: "sent", n: 0, resolve })),
    succeededTimes(method, n) {
      if ((successes.get(method) ?? 0) >= n) {
        return Promise.resolve();
      }
      return new Promise((resolve) => listeners.push({ method, when: "ok", n, resolve }));
    },
    get calls() {
      return calls;
    },
  };
}
