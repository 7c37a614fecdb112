/** What a `resource_exhausted` answer says was reached. */
export interface QuotaReached {
  /** The quota's name: max_held, max_waiting, max_payload_bytes, max_ttl, rate, or max_waiters (server-wide). */
  readonly quota: string;
  /** Its value as the service wrote it: "100", "2m0s", "200/s, burst 400". */
  readonly limit: string;
  /** The principal whose quota it is; "" for the server-wide cap. */
  readonly principal: string;
}

// The service's messages (internal/auth and connectsvc): one per principal quota, and the
// server-wide cap on waiting Acquires, which exists even without auth.
const principalQuota = /^quota ([a-z_]+) \((.*)\) reached for ("(?:[^"\\]|\\.)*")$/s;
const serverWide = /\((max_waiters) (\d+)\)/;

/** Parses the message of a resource_exhausted answer; undefined if it names no quota. */
export function parseQuota(message: string): QuotaReached | undefined {
  const m = principalQuota.exec(message);
  if (m) {
    let principal: string;
    try {
      principal = JSON.parse(m[3]!) as string; // Go's %q, which JSON reads for printable names
    } catch {
      principal = m[3]!.slice(1, -1);
    }
    return { quota: m[1]!, limit: m[2]!, principal };
  }
  const s = serverWide.exec(message);
  if (s) {
    return { quota: s[1]!, limit: s[2]!, principal: "" };
  }
  return undefined;
}
