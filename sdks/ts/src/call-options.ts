/** Options of one call (LockClient.info, LockClient.read, list and force-release). */
export interface CallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}
