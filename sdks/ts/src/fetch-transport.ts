import type { Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { namingUrl } from "./base-url.js";
import { bodyEndsOnAbort } from "./body-ends-on-abort.js";

/**
 * The transport of browsers (and of Node with `httpVersion: "fetch"`): the Connect protocol
 * over fetch, in binary, with `info` and `read` as HTTP GET.
 */
export function fetchTransport(baseUrl: string): Transport {
  return createConnectTransport({ baseUrl, useBinaryFormat: true, useHttpGet: true, fetch: bodyEndsOnAbort(namingUrl(baseUrl)) });
}
