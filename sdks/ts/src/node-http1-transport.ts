// Imported only by node.ts (the "node" export condition): browser bundles never see
// node:http. The one source file that uses Node's own API, hence Node's types here only.
/// <reference types="node" />
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { create, type DescMessage, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { encodeEnvelope, readAllBytes, transformSplitEnvelope } from "@connectrpc/connect/protocol";
import { endStreamFlag, endStreamFromJson, errorFromJsonBytes, protocolVersion, validateResponse } from "@connectrpc/connect/protocol-connect";

/**
 * The Connect protocol (binary, POST) over node:http's HTTP/1.1 with kept-alive
 * connections: Node's default transport. It is what connect-node does, without the
 * layers a lock call does not need (web-stream shaped bodies, fetch Headers, an
 * AbortController per call): measured side by side (acquire+release pairs at c=1 against
 * `distlock serve`), connect-node spent 579-666 µs of client CPU per pair over HTTP/1.1
 * and 697 over HTTP/2, node:http alone 143 (bench/ts/README.md).
 *
 * Unary calls and server streams (Hold, Watch, Batch), which is all the SDK sends; no
 * compression (answers of a few dozen bytes on a local network), no interceptors (the SDK
 * adds its headers in withHeaders). One connection per call in flight; a stream keeps its
 * own until it ends, and leaving it early closes that connection, which tells the service
 * the client is gone. Idle connections do not keep the process alive. What is written
 * here is the HTTP side; the protocol's pieces (envelopes, error and end-of-stream JSON,
 * response validation) are connect's own.
 */
export function nodeHttp1Transport(baseUrl: string): Transport {
  const base = baseUrl.replace(/\/+$/, "");
  const secure = base.startsWith("https:");
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });

  /** Sends one request; resolves with its answer's head, the body still to read. */
  function open(path: string, contentType: string, header: HeadersInit | undefined, body: Uint8Array, call: Call): Promise<IncomingMessage> {
    const headers: Record<string, string> = {
      "content-type": contentType,
      "connect-protocol-version": String(protocolVersion),
      "content-length": String(body.byteLength),
    };
    if (call.timeoutMs !== undefined) {
      headers["connect-timeout-ms"] = String(call.timeoutMs);
    }
    if (header !== undefined) {
      (header instanceof Headers ? header : new Headers(header)).forEach((v, k) => {
        headers[k] = v;
      });
    }
    return new Promise((resolve, reject) => {
      const req = send(base + path, { method: "POST", agent, headers }, resolve);
      call.start(req, reject);
      req.end(body);
    });
  }

  return {
    async unary(method, signal, timeoutMs, header, input) {
      const call = new Call(signal, timeoutMs);
      try {
        const res = await open(path(method), "application/proto", header, serialize(method.input, input), call);
        const body = await readAllBytes(res, noLimit);
        call.complete();
        if (res.statusCode !== 200 || res.headers["content-type"] !== "application/proto") {
          const headers = headersOf(res);
          const v = validateResponse("unary", true, res.statusCode ?? 0, headers); // throws unless an error in JSON
          if (v.isUnaryError) {
            throw errorFromJsonBytes(body, headers, v.unaryError);
          }
        }
        return { stream: false, service: method.parent, method, header: new Headers(), trailer: new Headers(), message: fromBinary(method.output, body) };
      } catch (e) {
        throw call.failure(e);
      } finally {
        call.end();
      }
    },

    async stream(method, signal, timeoutMs, header, input) {
      const first = await firstOf(input); // a server stream: its one request message
      const call = new Call(signal, timeoutMs);
      let res: IncomingMessage;
      try {
        res = await open(path(method), "application/connect+proto", header, encodeEnvelope(0, serialize(method.input, first)), call);
        if (res.statusCode !== 200 || res.headers["content-type"] !== "application/connect+proto") {
          const headers = headersOf(res);
          await readAllBytes(res, noLimit);
          call.complete();
          validateResponse(method.methodKind, true, res.statusCode ?? 0, headers); // throws
        }
      } catch (e) {
        call.end();
        throw call.failure(e);
      }
      const messages = (async function* () {
        let ended = false;
        try {
          for await (const { flags, data } of splitEnvelopes(res)) {
            if (flags & compressedFlag) {
              throw new ConnectError("protocol error: compressed message, none was accepted", Code.Internal);
            }
            if (flags & endStreamFlag) {
              const { error } = endStreamFromJson(data);
              if (error) {
                throw error;
              }
              ended = true;
            } else if (ended) {
              throw new ConnectError("protocol error: received extra message after EndStreamResponse", Code.InvalidArgument);
            } else {
              yield fromBinary(method.output, data);
            }
          }
          if (!ended) {
            throw new ConnectError("protocol error: missing EndStreamResponse", Code.InvalidArgument);
          }
          call.complete();
        } catch (e) {
          throw call.failure(e);
        } finally {
          call.end(); // left early: closes the connection, so the service sees the end
        }
      })();
      return { stream: true, service: method.parent, method, header: new Headers(), trailer: new Headers(), message: messages };
    },
  };
}

/**
 * One call's request, its deadline and the caller's signal: either ends it with the
 * error Connect gives (`deadline_exceeded`, or `canceled` with the signal's reason).
 */
class Call {
  private req?: ReturnType<typeof httpRequest>;
  private timer?: ReturnType<typeof setTimeout>;
  private cause?: ConnectError;
  private completed = false;
  private readonly onAbort = () => this.stop(ConnectError.from(this.signal?.reason, Code.Canceled));

  /** The call's deadline in ms; as in Connect's own transports, none when not positive. */
  readonly timeoutMs: number | undefined;

  constructor(
    private readonly signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ) {
    this.timeoutMs = timeoutMs !== undefined && timeoutMs > 0 ? timeoutMs : undefined;
  }

  start(req: ReturnType<typeof httpRequest>, reject: (e: unknown) => void): void {
    this.req = req;
    req.on("error", reject);
    if (this.signal?.aborted) {
      this.onAbort();
      return;
    }
    this.signal?.addEventListener("abort", this.onAbort);
    if (this.timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.stop(new ConnectError("the operation timed out", Code.DeadlineExceeded)), this.timeoutMs);
    }
  }

  private stop(cause: ConnectError): void {
    this.cause ??= cause;
    this.req?.destroy(cause);
  }

  /** The error to report for e: the deadline's or the signal's when one ended the call. */
  failure(e: unknown): unknown {
    if (this.cause) {
      return this.cause;
    }
    if (e instanceof ConnectError) {
      return e;
    }
    const err = e as Error;
    return new ConnectError(err?.message ?? String(e), Code.Unavailable, undefined, undefined, e);
  }

  /** Notes that the answer was read to its end: its connection goes back to the pool. */
  complete(): void {
    this.completed = true;
  }

  /** Clears the deadline and the signal's listener; a call not read to its end is closed. */
  end(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
    if (!this.completed) {
      this.req?.destroy();
    }
  }
}

function path(method: { parent: { typeName: string }; name: string }): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function serialize<I extends DescMessage>(schema: I, input: MessageInitShape<I> | undefined): Uint8Array {
  return toBinary(schema, create(schema, input));
}

function headersOf(res: IncomingMessage): Headers {
  const h = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    h.append(raw[i]!, raw[i + 1]!);
  }
  return h;
}

async function firstOf<T>(items: AsyncIterable<T>): Promise<T | undefined> {
  for await (const item of items) {
    return item;
  }
  return undefined;
}

const compressedFlag = 0b1;
// No size limit of the client's own on answers: the service bounds its messages.
const noLimit = 0xffffffff;
// A stream's body split into its envelopes, whatever the chunks.
const splitEnvelopes = transformSplitEnvelope(noLimit);
