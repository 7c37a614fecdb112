import { WatchResponse_Kind } from "./gen/distlock/v1/lock_pb.js";
import type { LockDeps } from "./held-lock.js";
import { type LockInfo, toLockInfo } from "./lock-info.js";
import { toDistlockError } from "./to-distlock-error.js";
import { validateResource } from "./validate.js";

/** What a {@link WatchEvent} reports. */
export type WatchKind = "current" | "synced" | "granted" | "extended" | "released" | "expired" | "handed_over" | "resync";

/** One event of {@link LockClient.watch}. */
export interface WatchEvent {
  /**
   * `current`: the resource is held (the state when the watch began, or after a resync);
   * `synced`: that state is complete, resources not named are free; then the changes:
   * `granted`, `extended`, `released`, `expired`, `handed_over` (from one holder to the next
   * with no free moment between); `resync`: the watcher fell behind and events were
   * dropped, a fresh `current`… `synced` sequence follows.
   */
  readonly kind: WatchKind;
  /** The resource; "" for `synced` and `resync`. */
  readonly resource: string;
  /** The holder after the event; undefined for `released`, `expired`, `synced`, `resync`. */
  readonly holder?: LockInfo;
  /** The holder that left, for `released`, `expired` and `handed_over`, when known. */
  readonly previous?: LockInfo;
}

/** Options of {@link LockClient.watch}. */
export interface WatchOptions {
  /** Watch every resource whose name starts with the one given ("" for all). */
  prefix?: boolean;
  /** Ends the watch: the iteration then ends, without an error. */
  signal?: AbortSignal;
}

const kinds: Record<WatchResponse_Kind, WatchKind | undefined> = {
  [WatchResponse_Kind.UNSPECIFIED]: undefined,
  [WatchResponse_Kind.CURRENT]: "current",
  [WatchResponse_Kind.SYNCED]: "synced",
  [WatchResponse_Kind.GRANTED]: "granted",
  [WatchResponse_Kind.EXTENDED]: "extended",
  [WatchResponse_Kind.RELEASED]: "released",
  [WatchResponse_Kind.EXPIRED]: "expired",
  [WatchResponse_Kind.HANDED_OVER]: "handed_over",
  [WatchResponse_Kind.RESYNC]: "resync",
};

/**
 * The events of a Watch stream, as an async iterator: leaving the loop (break, return,
 * an exception) or aborting options.signal ends the stream. Failures are the SDK's typed
 * errors.
 */
export async function* watchStream(deps: LockDeps, resource: string, options: WatchOptions = {}): AsyncGenerator<WatchEvent, void, undefined> {
  const { prefix = false, signal } = options;
  if (!(prefix && resource === "")) {
    validateResource(resource);
  }
  const stream = new AbortController();
  const onAbort = (): void => stream.abort(signal?.reason);
  if (signal?.aborted) {
    return;
  }
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const ev of deps.service.watch({ resource, prefix }, { signal: stream.signal })) {
      const kind = kinds[ev.kind];
      if (kind === undefined) {
        continue; // a kind newer than this SDK
      }
      yield {
        kind,
        resource: ev.resource,
        ...(ev.holder ? { holder: toLockInfo(ev.holder) } : {}),
        ...(ev.previous ? { previous: toLockInfo(ev.previous) } : {}),
      };
    }
  } catch (e) {
    if (signal?.aborted) {
      return;
    }
    throw toDistlockError(e);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    stream.abort();
  }
}
