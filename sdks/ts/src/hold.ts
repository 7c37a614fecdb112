import { durationFromMs, durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { type AcquireArgs, acquireArgs, type AcquireOptions } from "./acquire.js";
import { callBackoff } from "./backoff.js";
import { sleep, type Timer } from "./clock.js";
import { type DistlockError, NotAcquiredError, NotHeldError, UnavailableError } from "./errors.js";
import { type AcquireResponse, type HoldLost, HoldLost_Reason, type HoldResponse } from "./gen/distlock/v1/lock_pb.js";
import { isTransient, UNREACHABLE_GIVE_UP_MS, validityMs } from "./gen/distlock/v1/policy.js";
import type { LockDeps } from "./held-lock.js";
import type { ExtendOptions, Lock } from "./lock.js";
import { lockHandle, lostBy, notHeldBy } from "./lock-handle.js";
import { isUnreachable, toDistlockError } from "./to-distlock-error.js";
import { validateTtl } from "./validate.js";

// The wire wait of a Hold that waits until its signal aborts: a Hold's wait is not capped
// by the service (its waiting events keep proxies fed), and this one outlasts any caller.
const FOREVER_MS = 10 * 365 * 24 * 3600 * 1000;

/**
 * Takes the lock on resource over a Hold stream: the service renews it, so the client runs
 * no timer, and releases it as soon as the stream ends (release, a closed tab, a process
 * that exits). A transient failure before the grant is retried within the wait, as
 * acquire retries it.
 */
export async function holdOverStream(deps: LockDeps, resource: string, options: AcquireOptions = {}): Promise<Lock> {
  const args = acquireArgs(resource, options);
  const { clock } = deps;
  const { signal } = args;
  const deadline = clock.now() + args.waitMs;
  let answeredAt = clock.now();
  for (let failures = 0; ; failures++) {
    if (signal?.aborted) {
      throw new NotAcquiredError(`acquire of "${resource}" was aborted`, { cause: signal.reason });
    }
    let err: DistlockError;
    try {
      return await openHold(deps, resource, args, options, Math.max(0, deadline - clock.now()));
    } catch (e) {
      err = toDistlockError(e);
    }
    if (signal?.aborted) {
      throw new NotAcquiredError(`acquire of "${resource}" was aborted`, { cause: signal.reason });
    }
    const now = clock.now();
    if (!isUnreachable(err)) {
      answeredAt = now;
    }
    const giveUpAt = isUnreachable(err) ? Math.min(deadline, answeredAt + UNREACHABLE_GIVE_UP_MS) : deadline;
    const pause = callBackoff(failures);
    if (!isTransient(err.code) || now + pause >= giveUpAt) {
      throw err;
    }
    await sleep(clock, pause, { signal, keepAlive: true });
  }
}

/** Opens one Hold stream and resolves with the lock once it is granted. */
async function openHold(deps: LockDeps, resource: string, args: AcquireArgs, options: AcquireOptions, waitMs: number): Promise<Lock> {
  const { signal } = args;
  const stream = new AbortController();
  const onAbort = (): void => stream.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const wait = Math.ceil(Math.min(waitMs, FOREVER_MS));
    const events = deps.service
      .hold(
        { resource, ttl: durationFromMs(args.ttlMs), ...(wait > 0 ? { wait: durationFromMs(wait) } : {}), owner: args.owner, data: args.data },
        { signal: stream.signal },
      )
      [Symbol.asyncIterator]();
    for (;;) {
      const next = await events.next();
      if (next.done) {
        throw new UnavailableError(`the Hold stream of "${resource}" ended before the lock was granted`);
      }
      const { event } = next.value;
      // A signal that aborted as the grant came: the stream is cancelled below, which
      // releases the lock.
      if (event.case === "granted" && !signal?.aborted) {
        signal?.removeEventListener("abort", onAbort);
        return follow(deps, event.value, args, events, stream);
      } else if (event.case === "waiting") {
        const w = event.value;
        options.onWaiting?.({ owner: w.owner, fencingToken: w.fencingToken, expireTime: w.expireTime ? timestampDate(w.expireTime) : new Date(0) });
      }
    }
  } catch (e) {
    signal?.removeEventListener("abort", onAbort);
    stream.abort();
    throw e;
  }
}

/** Why a granted Hold stream ended: the service's lost event if it sent one, else the stream's failure. */
function lossReason(resource: string, lost: HoldLost | undefined, failure: unknown): DistlockError {
  if (lost?.reason === HoldLost_Reason.NOT_HELD) {
    return new NotHeldError(`lock on "${resource}" was lost: ${lost.message}`);
  }
  if (lost !== undefined) {
    return new UnavailableError(`lock on "${resource}" was lost: ${lost.message} (${HoldLost_Reason[lost.reason]})`);
  }
  // The service was not heard: the connection broke or the service died. The lock may
  // live on there until its TTL, but nothing renews it.
  const cause = failure === undefined ? undefined : toDistlockError(failure);
  return new UnavailableError(`the Hold stream of "${resource}" broke: ${cause?.message ?? "it ended without a lost event"}`, { cause });
}

/** The Lock of a granted Hold stream, which it follows until the stream ends. */
function follow(deps: LockDeps, grant: AcquireResponse, args: AcquireArgs, events: AsyncIterator<HoldResponse>, stream: AbortController): Lock {
  const { service, clock, callTimeoutMs } = deps;
  const { resource, leaseToken } = grant;
  const ttlMs = grant.ttl ? durationMs(grant.ttl) : args.ttlMs;
  const ended = new AbortController();
  let silence: Timer | undefined;
  const end = (reason: DistlockError): void => {
    if (!ended.signal.aborted) {
      clock.clearTimeout(silence);
      ended.abort(reason);
    }
  };
  // A connection can die without an error reaching this end (a server host that vanished
  // without a reset): then no event comes. The service renews every TTL/3 and, when it
  // cannot, says lost before the validity ends; a validity with no word at all means the
  // lease may be gone, so the lock is reported lost and the stream ended. Counted from the
  // arrival of the grant and of each renewal (not from the request: a grant after a long
  // wait is fresh). The timer never keeps Node running; a throttled tab may report the
  // loss late.
  const expectWord = (): void => {
    clock.clearTimeout(silence);
    silence = clock.setTimeout(
      () => {
        end(new UnavailableError(`lock on "${resource}" was lost: the service sent no word of it for its validity (${validityMs(ttlMs)} ms)`));
        stream.abort();
      },
      validityMs(ttlMs),
      false,
    );
  };
  expectWord();
  // Each read also ends when the stream is aborted, should the transport not end it (a
  // user's transport whose fetch loses the signal): release awaits this loop, and must
  // never wait on a read that only a dead connection would end.
  const aborted = new Promise<never>((_, reject) => {
    stream.signal.addEventListener("abort", () => reject(stream.signal.reason), { once: true });
  });
  aborted.catch(() => {}); // read by the loop below, or by no one once it has ended
  const read = (): Promise<IteratorResult<HoldResponse>> => Promise.race([events.next(), aborted]);
  const reading = (async () => {
    let lost: HoldLost | undefined;
    let failure: unknown;
    try {
      for (let next = await read(); !next.done; next = await read()) {
        if (next.value.event.case === "renewed") {
          expectWord();
        } else if (next.value.event.case === "lost") {
          lost = next.value.event.value;
        }
      }
    } catch (e) {
      failure = e;
    }
    end(lossReason(resource, lost, failure));
  })();

  // Renews now with a unary Extend; the service's own renewals keep the TTL of acquire.
  async function extend(options: ExtendOptions = {}): Promise<void> {
    const asked = options.ttlMs ?? args.ttlMs;
    validateTtl(asked);
    if (ended.signal.aborted) {
      throw notHeldBy(resource, ended.signal.reason);
    }
    try {
      await service.extend(
        { resource, leaseToken, ttl: durationFromMs(asked) },
        { timeoutMs: callTimeoutMs, ...(options.signal ? { signal: options.signal } : {}) },
      );
    } catch (e) {
      const err = toDistlockError(e);
      if (err instanceof NotHeldError) {
        end(lostBy(resource, err));
        stream.abort();
      }
      throw err;
    }
  }

  // Release confirms with a unary Release, then ends the stream (which alone would
  // release too, but unconfirmed: the next holder could still find it held).
  async function release(): Promise<void> {
    const lostBefore = ended.signal.aborted;
    // Stop dependent work before anyone else can be granted the lock.
    end(new NotHeldError(`lock on "${resource}" was released`));
    let refused: DistlockError | undefined;
    if (!lostBefore) {
      try {
        await service.release({ resource, leaseToken }, { timeoutMs: callTimeoutMs });
      } catch (e) {
        refused = toDistlockError(e);
      }
    }
    stream.abort();
    await reading;
    if (lostBefore) {
      throw notHeldBy(resource, ended.signal.reason);
    }
    // The lease was gone already: a loss that the stream had not reported yet. Other
    // failures leave the release to the stream's end.
    if (refused instanceof NotHeldError) {
      throw refused;
    }
  }

  return lockHandle({
    resource,
    fencingToken: grant.fencingToken,
    owner: args.owner,
    lockTime: grant.lockTime ? timestampDate(grant.lockTime) : new Date(),
    ttlMs: () => ttlMs,
    signal: ended.signal,
    extend,
    release,
  });
}
