import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type Client, createClient, createRouterTransport, type HandlerContext, type Transport } from "@connectrpc/connect";
import {
  type AcquireRequest,
  AcquireResponseSchema,
  type ExtendRequest,
  ExtendResponseSchema,
  type InfoRequest,
  InfoResponseSchema,
  LockService,
  type ReadRequest,
  ReadResponseSchema,
  type ReleaseRequest,
  ReleaseResponseSchema,
} from "../src/gen/distlock/v1/lock_pb.js";
import type { Lock } from "../src/lock.js";

/** One call the fake service received, waiting for the test to answer it. */
export interface PendingCall<Req, Res> {
  readonly request: Req;
  /** Aborted when the client gave up on the call (timeout or abort). */
  readonly signal: AbortSignal;
  /** The deadline the client set, in milliseconds, if any. */
  readonly timeoutMs: number | undefined;
  /** The request's headers, as the service would see them. */
  readonly header: Headers;
  respond(res?: Res): void;
  fail(err: unknown): void;
}

type Queue<Req, Res> = {
  /** Resolves with the next call (at once if one is queued). */
  next(): Promise<PendingCall<Req, Res>>;
  /** How many calls arrived so far. */
  readonly count: number;
  /** Fails every call not answered yet, so that no client deadline timer outlives a test. */
  failPending(): void;
};

/**
 * An in-memory LockService whose every call waits for the test to answer it, so a test
 * decides exactly what the client sees and when.
 */
export interface ScriptedService {
  readonly transport: Transport;
  /** A plain client of the same fake, for tests that call it directly. */
  readonly client: Client<typeof LockService>;
  readonly acquire: Queue<AcquireRequest, MessageInitShape<typeof AcquireResponseSchema>>;
  readonly extend: Queue<ExtendRequest, MessageInitShape<typeof ExtendResponseSchema>>;
  readonly release: Queue<ReleaseRequest, MessageInitShape<typeof ReleaseResponseSchema>>;
  readonly info: Queue<InfoRequest, MessageInitShape<typeof InfoResponseSchema>>;
  readonly read: Queue<ReadRequest, MessageInitShape<typeof ReadResponseSchema>>;
  /** Fails every call of every method not answered yet. */
  failPending(): void;
}

function queue<Req, Res>(): Queue<Req, Res> & { push(req: Req, ctx: HandlerContext): Promise<Res | undefined> } {
  const calls: PendingCall<Req, Res>[] = [];
  const unanswered = new Set<PendingCall<Req, Res>>();
  const waiters: ((c: PendingCall<Req, Res>) => void)[] = [];
  let count = 0;
  return {
    get count() {
      return count;
    },
    failPending() {
      for (const c of [...unanswered]) {
        c.fail(new Error("test over"));
      }
    },
    next() {
      const c = calls.shift();
      return c ? Promise.resolve(c) : new Promise((resolve) => waiters.push(resolve));
    },
    push(request, ctx) {
      count++;
      return new Promise<Res | undefined>((resolve, reject) => {
        const call: PendingCall<Req, Res> = {
          request,
          signal: ctx.signal,
          timeoutMs: ctx.timeoutMs(),
          header: ctx.requestHeader,
          respond: (res) => {
            unanswered.delete(call);
            resolve(res);
          },
          fail: (err) => {
            unanswered.delete(call);
            reject(err);
          },
        };
        unanswered.add(call);
        const w = waiters.shift();
        if (w) {
          w(call);
        } else {
          calls.push(call);
        }
      });
    },
  };
}

export function createScriptedService(): ScriptedService {
  const acquire = queue<AcquireRequest, MessageInitShape<typeof AcquireResponseSchema>>();
  const extend = queue<ExtendRequest, MessageInitShape<typeof ExtendResponseSchema>>();
  const release = queue<ReleaseRequest, MessageInitShape<typeof ReleaseResponseSchema>>();
  const info = queue<InfoRequest, MessageInitShape<typeof InfoResponseSchema>>();
  const read = queue<ReadRequest, MessageInitShape<typeof ReadResponseSchema>>();
  const transport = createRouterTransport(({ service }) => {
    service(LockService, {
      acquire: async (req, ctx) => create(AcquireResponseSchema, await acquire.push(req, ctx)),
      extend: async (req, ctx) => create(ExtendResponseSchema, await extend.push(req, ctx)),
      release: async (req, ctx) => create(ReleaseResponseSchema, await release.push(req, ctx)),
      info: async (req, ctx) => create(InfoResponseSchema, await info.push(req, ctx)),
      read: async (req, ctx) => create(ReadResponseSchema, await read.push(req, ctx)),
    });
  });
  const failPending = (): void => [acquire, extend, release, info, read].forEach((q) => q.failPending());
  return { transport, client: createClient(LockService, transport), acquire, extend, release, info, read, failPending };
}

/** Releases lock, answering its Release call on svc with success. */
export async function releaseOn(svc: ScriptedService, lock: Lock): Promise<void> {
  const released = lock.release();
  (await svc.release.next()).respond();
  await released;
}
