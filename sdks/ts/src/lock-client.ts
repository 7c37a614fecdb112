// CallOptions lives in its own file so that admin.ts need not import this one back.
import type { CallOptions } from "./call-options.js";
import { createClient, type Transport } from "@connectrpc/connect";
import { type AcquireOptions, acquireLock } from "./acquire.js";
import { holdOverStream } from "./hold.js";
import { type ForceReleased, type ForceReleaseOptions, forceRelease, type ListedLock, listAll, type ListOptions, listPage, type ListPage } from "./admin.js";
import { type WatchEvent, type WatchOptions, watchStream } from "./watch.js";
import { checkBaseUrl } from "./base-url.js";
import { checkTokenSource, type TokenSource, withBearer } from "./bearer.js";
import { systemClock } from "./clock.js";
import { openSession, type Session, type SessionOptions } from "./session.js";
import { InvalidArgumentError } from "./errors.js";
import { LockService } from "./gen/distlock/v1/lock_pb.js";
import type { LockDeps } from "./held-lock.js";
import { CALL_TIMEOUT_MS } from "./gen/distlock/v1/policy.js";
import type { Lock } from "./lock.js";
import { type LockInfo, toLockInfo } from "./lock-info.js";
import { toDistlockError } from "./to-distlock-error.js";
import { coalescing } from "./coalesce.js";
import { fetchTransport } from "./fetch-transport.js";
import { checkPropagate, type Propagate, withPropagation } from "./trace-context.js";
import { validateResource } from "./validate.js";

/** Options of {@link createLockClient}. */
export interface LockClientOptions {
  /**
   * The service's base URL, such as `http://localhost:8080`. The client then speaks the
   * Connect protocol in binary: over node:http's HTTP/1.1 in Node (kept-alive connections,
   * one per call in flight), over `fetch` in browsers (with `info` and `read` as HTTP
   * GET). Ignored when `transport` is given.
   */
  baseUrl?: string;
  /**
   * In Node, "1.1" (the default) sends over node:http, the least CPU per call; "2" speaks
   * HTTP/2 with `@connectrpc/connect-node` (one connection per client; h2c for http://);
   * "fetch" uses Node's `fetch`, as browsers do. Browsers always use `fetch`, which picks
   * the HTTP version itself.
   */
  httpVersion?: "1.1" | "2" | "fetch";
  /**
   * A Connect transport to use instead: for example `createConnectTransport` or
   * `createGrpcTransport` of `@connectrpc/connect-node` (HTTP/2, gRPC), or a
   * `@connectrpc/connect-web` transport with interceptors that add credentials.
   */
  transport?: Transport;
  /**
   * The bearer token the service's `--auth` file lets in, sent as `Authorization: Bearer
   * <token>` with every request (over `baseUrl` or `transport`); or a function returning
   * it, called before every request (renewals included), so that a token that expires or
   * is rotated is replaced at the next call without the client keeping a refresh timer.
   * The SDK never logs it, and its errors never quote it. A string that is not a bearer
   * token (RFC 7235 token68) throws InvalidArgumentError here; a function that throws or
   * returns one fails that call with UnauthenticatedError.
   */
  token?: TokenSource;
  /**
   * Opt-in W3C trace context: called with the headers of every request (unary and
   * streaming, renewals and Hold included) as the call starts, in the caller's async
   * context, to set `traceparent` and `tracestate` from the caller's current trace; the
   * service's span then joins that trace. With OpenTelemetry:
   * `propagate: (h) => propagation.inject(context.active(), h, { set: (c, k, v) => c.set(k, v) })`.
   * A function, so that the SDK depends on no tracing library. One that throws is
   * ignored: the request goes without trace headers rather than failing.
   */
  propagate?: Propagate;
  /**
   * Whether `acquire` keeps its locks with a Hold stream (the service renews the lock for
   * as long as the stream lives, and releases it as soon as the stream ends) instead of
   * renewal calls on a timer. Default: true in browsers, where timers of hidden tabs are
   * throttled and a closed tab must not keep its locks until their TTL; false in Node,
   * where a held stream keeps the process running until the lock is released or lost.
   * The transport must stream responses (every Connect, gRPC-Web and gRPC transport
   * does; an HTTP/1.1 client limited to unary calls does not).
   */
  hold?: boolean;
  /**
   * Whether acquire, extend and release calls made together (in one synchronous run, or
   * in one turn of the event loop while requests are in flight) go to the service in one
   * Batch request, instead of one request each; a call alone goes as usual. Each caller gets the same result, errors, deadline and
   * retries as alone. Default true; a service without Batch gets single calls.
   */
  coalesce?: boolean;
  /**
   * The deadline of one call in milliseconds, on top of the wait an acquire asks the
   * server for; default CALL_TIMEOUT_MS of the policy.
   */
  callTimeoutMs?: number;
}


/**
 * A client of the distlock service. It has nothing to close: in Node its kept-alive
 * connections do not keep the process alive once idle.
 */
export interface LockClient {
  /**
   * Takes the lock on resource and keeps it renewed until it is released or lost; waits
   * for it until `options.signal` aborts unless `options.waitMs` says otherwise.
   * Rejects with NotAcquiredError when another held it for the whole wait (or the
   * signal aborted), InvalidArgumentError for bad input (before any call),
   * UnavailableError when the service or its Redis quorum cannot be reached (its message
   * names the service's URL and the cause when the service gave no answer at all).
   */
  acquire(resource: string, options?: AcquireOptions): Promise<Lock>;
  /** Describes resource's current holder; rejects with NotHeldError when it is free. */
  info(resource: string, options?: CallOptions): Promise<LockInfo>;
  /** Returns the payload of resource's current lock; rejects with NotHeldError when it is free. */
  read(resource: string, options?: CallOptions): Promise<Uint8Array>;
  /**
   * Who holds resource (or, with `prefix`, every resource whose name starts with it), and
   * every change, pushed by the service: `for await (const ev of client.watch("jobs/",
   * { prefix: true })) …`. The current state comes first (`current` events, then
   * `synced`), then each change in order per resource. The stream runs until the loop is
   * left or `options.signal` aborts; a failure (UnavailableError when the service drains
   * or goes away) ends the loop with its typed error.
   */
  watch(resource: string, options?: WatchOptions): AsyncIterable<WatchEvent>;
  /**
   * One page of the locks held under `options.prefix` (every lock without it), each with
   * its owner, times, fencing token and waiters: `const { locks, nextPageToken } = await
   * client.list({ prefix: "jobs/", pageSize: 100 })`. Rejects with InvalidArgumentError
   * for a bad prefix or page size (before any call), PermissionDeniedError when the
   * caller may not read every name under the prefix, UnavailableError.
   */
  list(options?: ListOptions): Promise<ListPage>;
  /**
   * Every lock held under prefix, fetching page after page as the loop goes:
   * `for await (const lock of client.locks("jobs/")) …`. Each page is a snapshot of its
   * own. Failures end the loop with list's typed errors.
   */
  locks(prefix?: string, options?: Omit<ListOptions, "prefix" | "pageToken">): AsyncIterable<ListedLock>;
  /**
   * Breaks resource's lock whatever its holder's lease token, and advances its fencing
   * token: the holder's SDK reports the lock lost (NotHeldError) at its next renewal. Needs
   * the service's `admin` right; audited with `options.reason`. Rejects with NotHeldError
   * when the resource is free, PermissionDeniedError without the right,
   * InvalidArgumentError for a bad resource or an empty or over-long reason.
   */
  forceRelease(resource: string, options: ForceReleaseOptions): Promise<ForceReleased>;
  /**
   * Starts a session: many locks, taken with `session.acquire`, renewed together with one
   * Batch request per renewal period and released together when the session is closed
   * (`await using session = client.session({ ttlMs: 30_000 })`). Its locks are kept by
   * renewal calls whatever the client's `hold`.
   */
  session(options?: SessionOptions): Session;
}

// In Node a held stream keeps the process running; browsers (and workers) have no such
// problem, but throttle the timers that renewal calls need.
const isNode = typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === "string";

/**
 * Creates a client of the distlock service at options.baseUrl (or over options.transport).
 *
 * @example
 * const client = createLockClient({ baseUrl: "http://localhost:8080" });
 * await using lock = await client.acquire("orders/42", { waitMs: 5_000 });
 *
 * @example
 * // A service run with --auth: a token, or a function that returns the current one.
 * const client = createLockClient({ baseUrl: "https://locks.example", token: process.env.DISTLOCK_TOKEN });
 */
export function createLockClient(options: LockClientOptions): LockClient {
  return createLockClientWith(fetchTransport, options);
}

/**
 * createLockClient with the transport that a baseUrl gets by default in this runtime
 * (node.ts passes node:http's).
 */
export function createLockClientWith(defaultTransport: (baseUrl: string) => Transport, options: LockClientOptions): LockClient {
  const { baseUrl, callTimeoutMs = CALL_TIMEOUT_MS, hold = !isNode } = options;
  let transport = options.transport;
  if (transport === undefined) {
    if (typeof baseUrl !== "string" || baseUrl === "") {
      throw new InvalidArgumentError("createLockClient needs a baseUrl or a transport");
    }
    checkBaseUrl(baseUrl);
    transport = defaultTransport(baseUrl);
  }
  if (options.token !== undefined) {
    checkTokenSource(options.token);
    transport = withBearer(transport, options.token);
  }
  if (options.propagate !== undefined) {
    checkPropagate(options.propagate);
    transport = withPropagation(transport, options.propagate);
  }
  if (!(callTimeoutMs > 0)) {
    throw new InvalidArgumentError(`callTimeoutMs must be positive, got ${callTimeoutMs}`);
  }
  const unary = createClient(LockService, transport);
  const service = options.coalesce === false ? unary : coalescing(unary, callTimeoutMs);
  const deps: LockDeps = { service, clock: systemClock, callTimeoutMs };
  const callOptions = (o: CallOptions) => ({ timeoutMs: callTimeoutMs, ...(o.signal ? { signal: o.signal } : {}) });

  return {
    acquire: (resource, acquireOptions) => (hold ? holdOverStream : acquireLock)(deps, resource, acquireOptions),
    watch: (resource, watchOptions) => watchStream(deps, resource, watchOptions),
    list: (listOptions) => listPage(deps, listOptions),
    locks: (prefix = "", listOptions) => listAll(deps, prefix, listOptions),
    forceRelease: (resource, releaseOptions) => forceRelease(deps, resource, releaseOptions),
    // A session needs its calls coalesced, whatever the client's `coalesce`.
    session: (sessionOptions) => openSession(options.coalesce === false ? { ...deps, service: coalescing(unary, callTimeoutMs) } : deps, sessionOptions),
    async info(resource, o = {}) {
      validateResource(resource);
      try {
        return toLockInfo(await deps.service.info({ resource }, callOptions(o)));
      } catch (e) {
        throw toDistlockError(e);
      }
    },
    async read(resource, o = {}) {
      validateResource(resource);
      try {
        return (await deps.service.read({ resource }, callOptions(o))).data;
      } catch (e) {
        throw toDistlockError(e);
      }
    },
  };
}

export type { CallOptions } from "./call-options.js";
