import type { Interceptor } from "@connectrpc/connect";

/** Test hooks on a client's calls, as a Connect interceptor. */
export interface CallSpy {
  readonly interceptor: Interceptor;
  /** Resolves when the next request of method (e.g. "Acquire") is sent. */
  sent(method: string): Promise<void>;
  /** How many requests were sent, of any method. */
  readonly calls: number;
  /** How many requests of method were sent. */
  countOf(method: string): number;
}

export function createCallSpy(): CallSpy {
  let listeners: { method: string; resolve: () => void }[] = [];
  let calls = 0;
  const perMethod = new Map<string, number>();

  const interceptor: Interceptor = (next) => (req) => {
    calls++;
    perMethod.set(req.method.name, (perMethod.get(req.method.name) ?? 0) + 1);
    const ready = listeners.filter((l) => l.method === req.method.name);
    listeners = listeners.filter((l) => !ready.includes(l));
    ready.forEach((l) => l.resolve());
    return next(req);
  };

  return {
    interceptor,
    sent: (method) => new Promise((resolve) => listeners.push({ method, resolve })),
    get calls() {
      return calls;
    },
    countOf: (method) => perMethod.get(method) ?? 0,
  };
}

/** Reads the lease tokens of granted locks off the wire (Acquire and Hold), which the SDK keeps private. */
export interface LeaseCatcher {
  readonly interceptor: Interceptor;
  /** The lease token of the latest grant. */
  token(): string;
}

export function createLeaseCatcher(): LeaseCatcher {
  let token = "";
  const take = (m: unknown): void => {
    const msg = m as { leaseToken?: string; event?: { case?: string; value?: { leaseToken: string } } };
    if (msg.event?.case === "granted") {
      token = msg.event.value!.leaseToken;
    } else if (typeof msg.leaseToken === "string") {
      token = msg.leaseToken;
    }
  };
  async function* tap<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
    for await (const m of messages) {
      take(m);
      yield m;
    }
  }
  const interceptor: Interceptor = (next) => async (req) => {
    const res = await next(req);
    if (res.stream) {
      return { ...res, message: tap(res.message) };
    }
    take(res.message);
    return res;
  };
  return { interceptor, token: () => token };
}
