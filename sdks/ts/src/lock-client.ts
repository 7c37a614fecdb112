import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type AcquireOptions, acquireLock } from "./acquire.js";
import { checkBaseUrl, namingUrl } from "./base-url.js";
import { systemClock } from "./clock.js";
import { InvalidArgumentError } from "./errors.js";
import { LockService } from "./gen/distlock/v1/lock_pb.js";
import type { LockDeps } from "./held-lock.js";
import { CALL_TIMEOUT_MS } from "./gen/distlock/v1/policy.js";
import type { Lock } from "./lock.js";
import { toDistlockError } from "./to-distlock-error.js";
import { validateResource } from "./validate.js";

/** Options of {@link createLockClient}. */
export interface LockClientOptions {
  /**
   * The service's base URL, such as `http://localhost:8080`. The client then speaks the
   * Connect protocol over `fetch` (in Node 20 and in browsers), in binary, and sends
   * `info` and `read` as HTTP GET. Ignored when `transport` is given.
   */
  baseUrl?: string;
  /**
   * A Connect transport to use instead: for example `createConnectTransport` or
   * `createGrpcTransport` of `@connectrpc/connect-node` (HTTP/2, gRPC), or a
   * `@connectrpc/connect-web` transport with interceptors that add credentials.
   */
  transport?: Transport;
  /**
   * The deadline of one call in milliseconds, on top of the wait an acquire asks the
   * server for; default CALL_TIMEOUT_MS of the policy.
   */
  callTimeoutMs?: number;
}

/** Options of {@link LockClient.info} and {@link LockClient.read}. */
export interface CallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** A resource's current holder, as {@link LockClient.info} describes it. */
export interface LockInfo {
  /** The holder's owner label. */
  readonly owner: string;
  /** When the holder was granted the lock, by the server's clock. */
  readonly lockTime: Date;
  /** When the lock expires unless it is renewed, by the server's clock. */
  readonly expireTime: Date;
  /** The holder's fencing token. */
  readonly fencingToken: bigint;
}

/** A client of the distlock service. It holds no connections of its own to close. */
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
}

/**
 * Creates a client of the distlock service at options.baseUrl (or over options.transport).
 *
 * @example
 * const client = createLockClient({ baseUrl: "http://localhost:8080" });
 * await using lock = await client.acquire("orders/42", { waitMs: 5_000 });
 */
export function createLockClient(options: LockClientOptions): LockClient {
  const { baseUrl, callTimeoutMs = CALL_TIMEOUT_MS } = options;
  let transport = options.transport;
  if (transport === undefined) {
    if (typeof baseUrl !== "string" || baseUrl === "") {
      throw new InvalidArgumentError("createLockClient needs a baseUrl or a transport");
    }
    checkBaseUrl(baseUrl);
    transport = createConnectTransport({ baseUrl, useBinaryFormat: true, useHttpGet: true, fetch: namingUrl(baseUrl) });
  }
  if (!(callTimeoutMs > 0)) {
    throw new InvalidArgumentError(`callTimeoutMs must be positive, got ${callTimeoutMs}`);
  }
  const deps: LockDeps = { service: createClient(LockService, transport), clock: systemClock, callTimeoutMs };
  const callOptions = (o: CallOptions) => ({ timeoutMs: callTimeoutMs, ...(o.signal ? { signal: o.signal } : {}) });

  return {
    acquire: (resource, acquireOptions) => acquireLock(deps, resource, acquireOptions),
    async info(resource, o = {}) {
      validateResource(resource);
      try {
        const res = await deps.service.info({ resource }, callOptions(o));
        return {
          owner: res.owner,
          lockTime: res.lockTime ? timestampDate(res.lockTime) : new Date(0),
          expireTime: res.expireTime ? timestampDate(res.expireTime) : new Date(0),
          fencingToken: res.fencingToken,
        };
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
