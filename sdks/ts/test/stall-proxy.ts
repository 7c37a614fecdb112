import { connect, createServer, type Socket } from "node:net";

/** A TCP proxy in front of a service, which can go silent as a connection that died without a reset. */
export interface StallProxy {
  /** The proxy's base URL. */
  readonly url: string;
  /**
   * From now on, the connections open so far pass no byte from the service to the client
   * (and give no error); what the client sends still reaches the service, and a client
   * that closes its connection closes the proxy's to the service. New connections pass.
   */
  stall(): void;
  close(): Promise<void>;
}

/**
 * Starts a loopback proxy to the service at url. It works on TCP, not HTTP, so that it
 * stalls streams alike over HTTP/1.1 and HTTP/2 (where the whole connection goes silent,
 * as it does when a host vanishes).
 */
export async function startStallProxy(url: string): Promise<StallProxy> {
  const target = new URL(url);
  const open = new Set<{ client: Socket; service: Socket; stalled: boolean }>();
  const server = createServer((client) => {
    const service = connect(Number(target.port), target.hostname);
    const conn = { client, service, stalled: false };
    open.add(conn);
    client.pipe(service);
    service.on("data", (chunk: Buffer) => conn.stalled || client.write(chunk));
    const end = (): void => {
      open.delete(conn);
      client.destroy();
      service.destroy();
    };
    client.on("close", end).on("error", end);
    service.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("the stall proxy has no TCP address");
  }
  return {
    url: `http://127.0.0.1:${address.port}`,
    stall() {
      for (const conn of open) {
        conn.stalled = true;
      }
    },
    close() {
      for (const { client, service } of open) {
        client.destroy();
        service.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
