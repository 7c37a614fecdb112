import { durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import type { Grant, LockDeps } from "./held-lock.js";
import { lateGrantMs } from "./gen/distlock/v1/policy.js";
import { toDistlockError } from "./to-distlock-error.js";

/**
 * Reports whether a grant that arrived at `now` must be confirmed by an Extend. The
 * service's key lives for the TTL from the grant, which happened anywhere between sending
 * and now, so the only safe bound counts from the send. After a wait that bound leaves
 * little validity, or none when the wait outlasted the TTL and the lock would be lost on
 * arrival; an Extend sent now gives a fresh bound.
 */
export function isLate(grant: Grant, now: number): boolean {
  return now - grant.sentAt > lateGrantMs(grant.ttlMs);
}

/**
 * Sends one Extend of a late grant's lease, with the same TTL, and returns the grant with
 * its validity counted from that Extend. If the Extend fails, the lease is released before
 * the error (as a DistlockError) is thrown, so an unconfirmed grant does not keep the
 * resource from others.
 */
export async function confirmGrant(deps: LockDeps, grant: Grant, signal?: AbortSignal): Promise<Grant> {
  const { service, clock, callTimeoutMs } = deps;
  const { resource, leaseToken } = grant;
  const sentAt = clock.now();
  try {
    const res = await service.extend(
      { resource, leaseToken, ttl: durationFromMs(grant.ttlMs) },
      { timeoutMs: callTimeoutMs, ...(signal ? { signal } : {}) },
    );
    return { ...grant, ttlMs: res.ttl ? durationMs(res.ttl) : grant.ttlMs, sentAt };
  } catch (e) {
    // Best effort, and not cut short by the signal: otherwise the lease expires after its TTL.
    await service.release({ resource, leaseToken }, { timeoutMs: callTimeoutMs }).catch(() => {});
    throw toDistlockError(e);
  }
}
