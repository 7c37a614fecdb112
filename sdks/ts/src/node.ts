// The package's entry point in Node (the "node" export condition): the public surface of
// index.ts, with a createLockClient whose baseUrl speaks HTTP/2 unless told otherwise.
import { fetchTransport } from "./fetch-transport.js";
import { createLockClientWith, type LockClient, type LockClientOptions } from "./lock-client.js";
import { nodeTransport } from "./node-transport.js";

export * from "./index.js";

/** {@link index.createLockClient}, with Node's HTTP/2 transport by default (see `httpVersion`). */
export function createLockClient(options: LockClientOptions): LockClient {
  return createLockClientWith(options.httpVersion === "1.1" ? fetchTransport : nodeTransport, options);
}
