import type { Interceptor } from "@connectrpc/connect";

/** Test hooks on a client's calls, as a Connect interceptor. */
export interface CallSpy {
  readonly interceptor: Interceptor;
  /** Resolves when the next request of method (e.g. "Acquire") is sent. */
  sent(method: string): Promise<void>;
  /** How many requests were sent, of any method. */
  readonly calls: number;
}

export function createCallSpy(): CallSpy {
  let listeners: { method: string; resolve: () => void }[] = [];
  let calls = 0;

  const interceptor: Interceptor = (next) => (req) => {
    calls++;
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
  };
}
