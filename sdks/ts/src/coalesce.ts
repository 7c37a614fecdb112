import type { MessageInitShape } from "@bufbuild/protobuf";
import { type CallOptions, type Client, Code, ConnectError } from "@connectrpc/connect";
import type {
  AcquireRequestSchema,
  AcquireResponse,
  BatchCallSchema,
  BatchResult,
  ExtendRequestSchema,
  ExtendResponse,
  LockService,
  ReleaseRequestSchema,
  ReleaseResponse,
} from "./gen/distlock/v1/lock_pb.js";
import { batchCallBytes, MAX_BATCH_BYTES, MAX_BATCH_CALLS } from "./gen/distlock/v1/policy.js";
import { codeFromWire } from "./to-distlock-error.js";

type Service = Client<typeof LockService>;

/** The calls a Batch carries, by the name of their unary method. */
interface Calls {
  acquire: { req: MessageInitShape<typeof AcquireRequestSchema>; res: AcquireResponse };
  extend: { req: MessageInitShape<typeof ExtendRequestSchema>; res: ExtendResponse };
  release: { req: MessageInitShape<typeof ReleaseRequestSchema>; res: ReleaseResponse };
}
type Kind = keyof Calls;

/** One caller's call, waiting to be sent or for its result. */
interface Pending<K extends Kind = Kind> {
  readonly kind: K;
  readonly req: Calls[K]["req"];
  readonly signal: AbortSignal | undefined;
  /** When the caller's deadline passes, on performance.now(); undefined: none. */
  readonly deadline: number | undefined;
  readonly bytes: number;
  settled: boolean;
  resolve(res: Calls[K]["res"]): void;
  reject(err: unknown): void;
  /** Stops the deadline timer and the abort listener. */
  cleanup(): void;
}

const utf8 = new TextEncoder();
const byteLength = (s: string | undefined): number => (s ? utf8.encode(s).length : 0);

// While requests are in flight, calls wait for the next turn of the event loop in Node,
// after the I/O callbacks of this one, so that callers woken by answers that arrived
// together are sent together, as ioredis's autopipelining does (browsers clamp timers, so
// a microtask there). A client with nothing in flight sends once the calls of the current
// synchronous run are in: a lone caller then pays no extra turn.
const nextTurn: (fn: () => void) => void =
  (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate ?? queueMicrotask;

/**
 * Wraps service so that its Acquire, Extend and Release calls made together (see
 * nextTurn) go to the service in one Batch request (several when the policy's
 * MAX_BATCH_CALLS or MAX_BATCH_BYTES says so); a call alone goes as its unary RPC. Each caller gets what its unary call would have given: the same response, or a
 * ConnectError with the same code and message, its own deadline (`timeoutMs`) and
 * `signal`. An acquire granted after its caller gave up is released. A service that
 * answers Batch `unimplemented` gets unary calls from then on. Calls with options other
 * than `timeoutMs` and `signal` go unary.
 */
export function coalescing(service: Service, callTimeoutMs: number): Service {
  let queue: Pending[] = [];
  let unaryOnly = false;
  let inFlight = 0; // requests sent and not yet answered in full

  function call<K extends Kind>(kind: K, req: Calls[K]["req"], options: CallOptions = {}): Promise<Calls[K]["res"]> {
    const { timeoutMs, signal, ...rest } = options;
    if (unaryOnly || signal?.aborted || Object.keys(rest).length > 0) {
      return unary(kind, req, options);
    }
    return new Promise((resolve, reject) => {
      const r = req as { resource?: string; leaseToken?: string; owner?: string; data?: Uint8Array };
      let timer: ReturnType<typeof setTimeout> | undefined;
      const p: Pending<K> = {
        kind,
        req,
        signal,
        deadline: timeoutMs === undefined ? undefined : performance.now() + timeoutMs,
        bytes: batchCallBytes(byteLength(r.resource), byteLength(r.leaseToken), byteLength(r.owner), r.data?.length ?? 0),
        settled: false,
        resolve,
        reject,
        cleanup() {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        },
      };
      // As Connect ends a unary call: the abort's reason, or its deadline error.
      function onAbort(): void {
        giveUp(p, ConnectError.from(signal?.reason, Code.Canceled));
      }
      signal?.addEventListener("abort", onAbort);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => giveUp(p, new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
      }
      if (queue.length === 0) {
        (inFlight === 0 ? queueMicrotask : nextTurn)(flush);
      }
      queue.push(p as Pending);
    });
  }

  function unary<K extends Kind>(kind: K, req: Calls[K]["req"], options: CallOptions): Promise<Calls[K]["res"]> {
    // The methods' types differ only in their request and response.
    return (service[kind] as (req: Calls[K]["req"], options: CallOptions) => Promise<Calls[K]["res"]>)(req, options);
  }

  function settle(p: Pending, ok: boolean, value: unknown): boolean {
    if (p.settled) {
      return false;
    }
    p.settled = true;
    p.cleanup();
    if (ok) {
      p.resolve(value as never);
    } else {
      p.reject(value);
    }
    return true;
  }

  // The caller leaves (abort, deadline); a request carrying the call goes on (sendBatch).
  function giveUp(p: Pending, err: ConnectError): void {
    settle(p, false, err);
  }

  function flush(): void {
    const calls = queue.filter((p) => !p.settled);
    queue = [];
    let chunk: Pending[] = [];
    let bytes = 0;
    for (const p of calls) {
      if (chunk.length > 0 && (chunk.length === MAX_BATCH_CALLS || bytes + p.bytes > MAX_BATCH_BYTES)) {
        send(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(p);
      bytes += p.bytes;
    }
    if (chunk.length > 0) {
      send(chunk);
    }
  }

  function send(chunk: Pending[]): void {
    if (unaryOnly || chunk.length === 1) {
      chunk.forEach(sendUnary);
    } else {
      void sendBatch(chunk);
    }
  }

  // Hands the call over to its unary RPC, with what is left of its deadline.
  function sendUnary(p: Pending): void {
    if (p.settled) {
      return;
    }
    p.settled = true;
    p.cleanup();
    const options: CallOptions = {
      ...(p.deadline !== undefined ? { timeoutMs: Math.max(1, Math.ceil(p.deadline - performance.now())) } : {}),
      ...(p.signal ? { signal: p.signal } : {}),
    };
    inFlight++;
    // Counted out before the caller hears, so that its next call sees an idle client.
    unary(p.kind, p.req, options).then(
      (res) => {
        inFlight--;
        p.resolve(res);
      },
      (err: unknown) => {
        inFlight--;
        p.reject(err);
      },
    );
  }

  async function sendBatch(chunk: Pending[]): Promise<void> {
    // The calls whose result has not arrived. The stream is read to its end even when
    // every one of their callers has given up, and a grant for a caller who left is
    // released (deliver): ending it would leave that to the service, which cannot release
    // a grant it had already written when the abort came.
    const open = new Set(chunk);
    const deadlines = chunk.map((p) => p.deadline);
    const deadline = deadlines.includes(undefined) ? undefined : Math.max(...(deadlines as number[]));
    let answered = false;
    inFlight++;
    try {
      const stream = service.batch(
        { calls: chunk.map((p) => ({ call: { case: p.kind, value: p.req } }) as MessageInitShape<typeof BatchCallSchema>) },
        { ...(deadline !== undefined ? { timeoutMs: Math.max(1, Math.ceil(deadline - performance.now())) } : {}) },
      );
      for await (const res of stream) {
        answered = true;
        for (const r of res.results) {
          const p = chunk[r.index];
          if (p !== undefined && open.delete(p)) {
            deliver(p, r);
          }
        }
      }
    } catch (e) {
      inFlight--;
      if (!answered && ConnectError.from(e).code === Code.Unimplemented) {
        // A service older than Batch: it ran none of these calls.
        unaryOnly = true;
        open.forEach(sendUnary);
        return;
      }
      open.forEach((p) => settle(p, false, e));
      return;
    }
    inFlight--;
    if (open.size > 0) {
      const missing = new ConnectError("the service ended a batch without this call's result", Code.Internal);
      open.forEach((p) => settle(p, false, missing));
    }
  }

  function deliver(p: Pending, r: BatchResult): void {
    const { result } = r;
    if (result.case === "error") {
      settle(p, false, new ConnectError(result.value.message, codeFromWire(result.value.code)));
    } else if (result.case !== p.kind) {
      settle(p, false, new ConnectError(`the service answered a ${p.kind} call with ${result.case ?? "nothing"}`, Code.Internal));
    } else if (!settle(p, true, result.value) && result.case === "acquire") {
      // The caller gave up before the grant arrived: nobody will release it.
      const { resource } = p.req as Calls["acquire"]["req"];
      call("release", { resource: resource ?? "", leaseToken: result.value.leaseToken }, { timeoutMs: callTimeoutMs }).catch(() => {});
    }
  }

  return {
    ...service,
    acquire: (req, options) => call("acquire", req, options),
    extend: (req, options) => call("extend", req, options),
    release: (req, options) => call("release", req, options),
  };
}
