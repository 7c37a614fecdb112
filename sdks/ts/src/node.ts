// The package's entry point in Node (the "node" export condition): the public surface of
// index.ts, with a createLockClient whose baseUrl speaks node:http's HTTP/1.1 unless told
// otherwise.
import { fetchTransport } from "./fetch-transport.js";
import { createLockClientWith, type LockClient, type LockClientOptions } from "./lock-client.js";
import { nodeTransport } from "./node-transport.js";

export * from "./index.js";

/** {@link index.createLockClient}, with node:http's HTTP/1.1 by default (see `httpVersion`). */
export function createLockClient(options: LockClientOptions): LockClient {
  const { httpVersion = "1.1" } = options;
  return createLockClientWith(httpVersion === "fetch" ? fetchTransport : (url) => nodeTransport(url, httpVersion), options);
}
