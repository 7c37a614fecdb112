// A stand-in for gen/ts/distlock/v1/policy.ts (generated from proto/distlock/v1/policy.proto
// by `make generate`), with its names and values, until that file is on main. Delete it then.
export const MIN_TTL_MS = 5_000;
export const MAX_TTL_MS = 600_000;
export const DEFAULT_TTL_MS = 30_000;
export const MAX_RESOURCE_BYTES = 1024;
export const MAX_OWNER_BYTES = 256;
export const MAX_DATA_BYTES = 65_536;
export const CALL_BACKOFF_MIN_MS = 50;
export const CALL_BACKOFF_MAX_MS = 1_000;
export const RENEW_BACKOFF_MIN_MS = 100;
export const RENEW_BACKOFF_MAX_MS = 2_000;
export const MAX_WAIT_PER_CALL_MS = 30_000;
export const CALL_TIMEOUT_MS = 10_000;
export const EARLY_ANSWER_DIVISOR = 2;
export const UNREACHABLE_GIVE_UP_MS = 10_000;
export const TRANSIENT_CODES: readonly string[] = ["unavailable", "deadline_exceeded"];
export const RENEWAL_TERMINAL_CODES: readonly string[] = ["not_found", "invalid_argument"];
export const validityMs = (ttlMs: number): number => ttlMs - ttlMs / 100 - 2;
export const renewEveryMs = (ttlMs: number): number => ttlMs / 3;
export const lateGrantMs = (ttlMs: number): number => ttlMs / 10;
export const backoffStepMs = (n: number, minMs: number, maxMs: number): number => Math.min(minMs * 2 ** n, maxMs);
