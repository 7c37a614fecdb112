/**
 * fetch whose streamed response bodies (a Hold's, a Watch's) end as soon as the call's
 * signal aborts, whatever fetch does with that signal.
 *
 * Why: Node's fetch (undici) links the signal to the request only through a weak reference
 * to the Request it made inside fetch. Once the response has arrived nothing else refers
 * to that Request, so after a garbage collection an abort no longer reaches the request:
 * a pending read of the body then ends only when the connection dies, and the service,
 * still hearing the stream, keeps the lock. Here the body is read through a stream of our
 * own that the signal errors, and the abort cancels undici's body, which closes its
 * connection (that path holds strong references). Unary responses are left as they are:
 * the service answers them at once, and wrapping would cost every call.
 */
export function bodyEndsOnAbort(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const signal = init?.signal;
    if (!signal || !res.body || !res.ok || !isStream(res)) {
      return res;
    }
    const source = res.body.getReader();
    let onAbort = (): void => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        onAbort = () => {
          controller.error(signal.reason);
          source.cancel(signal.reason).catch(() => {}); // closes the connection of the body
        };
        if (signal.aborted) {
          onAbort();
        } else {
          signal.addEventListener("abort", onAbort, { once: true });
        }
      },
      async pull(controller) {
        const next = await source.read();
        if (signal.aborted) {
          return; // errored by onAbort already
        }
        if (next.done) {
          signal.removeEventListener("abort", onAbort);
          controller.close();
        } else {
          controller.enqueue(next.value);
        }
      },
      cancel(reason) {
        signal.removeEventListener("abort", onAbort);
        return source.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** A streaming Connect response (application/connect+proto or +json), not a unary one. */
function isStream(res: Response): boolean {
  return res.headers.get("content-type")?.startsWith("application/connect+") ?? false;
}
