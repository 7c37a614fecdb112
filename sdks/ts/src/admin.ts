import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { CallOptions } from "./call-options.js";
import type { LockDeps } from "./held-lock.js";
import { InvalidArgumentError } from "./errors.js";
import { MAX_RESOURCE_BYTES } from "./gen/distlock/v1/policy.js";
import { toDistlockError } from "./to-distlock-error.js";
import { checkText, validateResource } from "./validate.js";

/** One held lock of a {@link ListPage}. */
export interface ListedLock {
  /** The locked resource. */
  readonly resource: string;
  /** The holder's owner label. */
  readonly owner: string;
  /** When the holder was granted the lock, by the server's clock. */
  readonly lockTime: Date;
  /** When the lock expires unless it is renewed, by the server's clock. */
  readonly expireTime: Date;
  /** The holder's fencing token. */
  readonly fencingToken: bigint;
  /** How many callers wait for it through the replica that answered (not other replicas'). */
  readonly waiters: number;
}

/** Options of {@link LockClient.list}. */
export interface ListOptions extends CallOptions {
  /** Only resources whose name starts with it; "" (the default) lists every resource. */
  prefix?: string;
  /** The most locks one page holds: 1 to 1000; the server picks (100) when not given. */
  pageSize?: number;
  /** The `nextPageToken` of the previous page with the same prefix; none for the first. */
  pageToken?: string;
}

/** One page of {@link LockClient.list}: the locks a quorum agreed on when it was read. */
export interface ListPage {
  readonly locks: readonly ListedLock[];
  /** Pass it as `pageToken` for the next page; "" after the last page. */
  readonly nextPageToken: string;
}

/** Options of {@link LockClient.forceRelease}. */
export interface ForceReleaseOptions extends CallOptions {
  /** Why the lock is broken, for the service's audit log: 1 to 1024 bytes of UTF-8. */
  reason: string;
}

/** What {@link LockClient.forceRelease} broke. */
export interface ForceReleased {
  /** The broken holder's owner label. */
  readonly owner: string;
  /** The broken holder's fencing token. */
  readonly fencingToken: bigint;
  /**
   * Every later grant of the resource has a greater fencing token: hand it to the store
   * you protect so that it refuses the old holder's writes at once.
   */
  readonly advancedFencingToken: bigint;
}

const MAX_PAGE_SIZE = 1000;
const MAX_REASON_BYTES = 1024;

function checkList(o: ListOptions): void {
  const { prefix = "", pageSize } = o;
  checkText("prefix", prefix, MAX_RESOURCE_BYTES);
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_PAGE_SIZE)) {
    throw new InvalidArgumentError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
  }
}

function checkReason(reason: unknown): asserts reason is string {
  if (typeof reason !== "string" || reason === "") {
    throw new InvalidArgumentError("forceRelease needs a reason for the audit log");
  }
  checkText("reason", reason, MAX_REASON_BYTES);
}

const callOptions = (deps: LockDeps, o: CallOptions) => ({ timeoutMs: deps.callTimeoutMs, ...(o.signal ? { signal: o.signal } : {}) });

/** One page of the held locks under options.prefix; failures are the SDK's typed errors. */
export async function listPage(deps: LockDeps, options: ListOptions = {}): Promise<ListPage> {
  checkList(options);
  const { prefix = "", pageSize = 0, pageToken = "" } = options;
  try {
    const res = await deps.service.list({ prefix, pageSize, pageToken }, callOptions(deps, options));
    return {
      nextPageToken: res.nextPageToken,
      locks: res.locks.map((l) => ({
        resource: l.resource,
        owner: l.owner,
        lockTime: l.lockTime ? timestampDate(l.lockTime) : new Date(0),
        expireTime: l.expireTime ? timestampDate(l.expireTime) : new Date(0),
        fencingToken: l.fencingToken,
        waiters: l.waiters,
      })),
    };
  } catch (e) {
    throw toDistlockError(e);
  }
}

/**
 * Every held lock under prefix, page after page: each page is a snapshot of its own, so
 * a lock taken or released meanwhile may be missed or seen once it changed.
 */
export async function* listAll(deps: LockDeps, prefix: string, options: Omit<ListOptions, "prefix" | "pageToken"> = {}): AsyncGenerator<ListedLock, void, undefined> {
  let pageToken = "";
  do {
    const page = await listPage(deps, { ...options, prefix, pageToken });
    yield* page.locks;
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
}

/**
 * Breaks resource's lock whatever its holder's token (the service's `admin` verb); rejects
 * with NotHeldError when it is free, PermissionDeniedError without the admin right.
 */
export async function forceRelease(deps: LockDeps, resource: string, options: ForceReleaseOptions): Promise<ForceReleased> {
  validateResource(resource);
  checkReason(options?.reason);
  try {
    const res = await deps.service.forceRelease({ resource, reason: options.reason }, callOptions(deps, options));
    return { owner: res.owner, fencingToken: res.fencingToken, advancedFencingToken: res.advancedFencingToken };
  } catch (e) {
    throw toDistlockError(e);
  }
}
