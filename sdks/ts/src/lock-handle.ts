import { type DistlockError, NotHeldError } from "./errors.js";
import type { ExtendOptions, Lock } from "./lock.js";

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);

/** The NotHeldError that says the lock on resource was lost because of cause. */
export function lostBy(resource: string, cause: DistlockError): NotHeldError {
  return new NotHeldError(`lock on "${resource}" was lost: ${cause.message}`, { cause });
}

/** The NotHeldError for a call on a lock that ended with reason: it carries why. */
export function notHeldBy(resource: string, reason: unknown): NotHeldError {
  return reason instanceof NotHeldError ? reason : lostBy(resource, reason as DistlockError);
}

/** What a {@link Lock} is made of, whichever way it is kept (renewal calls or a Hold stream). */
export interface LockParts {
  readonly resource: string;
  readonly fencingToken: bigint;
  readonly owner: string;
  readonly lockTime: Date;
  ttlMs(): number;
  readonly signal: AbortSignal;
  extend(options?: ExtendOptions): Promise<void>;
  /** Ends and releases the lock; called once, by release or by leaving an `await using` block. */
  release(): Promise<void>;
}

/** The Lock of parts, with release's once-only result and `await using`'s rules. */
export function lockHandle(parts: LockParts): Lock {
  let releasing: Promise<void> | undefined;
  let releasedByCaller = false;
  return {
    resource: parts.resource,
    fencingToken: parts.fencingToken,
    owner: parts.owner,
    lockTime: parts.lockTime,
    get ttlMs() {
      return parts.ttlMs();
    },
    signal: parts.signal,
    extend: parts.extend,
    release() {
      releasedByCaller = true;
      return (releasing ??= parts.release());
    },
    async [asyncDispose]() {
      // The caller who released the lock has had the result.
      if (releasedByCaller) {
        await releasing?.catch(() => {});
        return;
      }
      await (releasing ??= parts.release());
    },
  };
}
