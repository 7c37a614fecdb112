import { InvalidArgumentError } from "./errors.js";

/**
 * Throws InvalidArgumentError unless baseUrl is an http or https URL with a host, so that
 * a typo shows at construction rather than as a puzzling failure of the first call.
 */
export function checkBaseUrl(baseUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    // reported below
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new InvalidArgumentError(`service URL "${baseUrl}" is not valid: use http:// or https:// and a host, e.g. http://localhost:8080`);
  }
}

/**
 * fetch, whose failures to get any answer (a TypeError: connection refused, DNS, CORS)
 * name the service's URL, which the caller otherwise never sees in the error.
 */
export function namingUrl(baseUrl: string): typeof globalThis.fetch {
  return (input, init) =>
    globalThis.fetch(input, init).catch((e: unknown) => {
      throw e instanceof TypeError ? new TypeError(`no answer from ${baseUrl}`, { cause: e }) : e;
    });
}
