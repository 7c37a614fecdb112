// Real redis-server processes on loopback ports, for tests that stop one (the embedded
// servers of `distlock serve` are out of a test's reach).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

export interface RedisNode {
  readonly port: number;
  /** Kills the server (SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}

export async function startRedis(extraArgs: string[] = []): Promise<RedisNode> {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extraArgs];
  const proc: ChildProcess = spawn("/usr/bin/redis-server", args, {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(proc, "exit").then(([code]) => {
    throw new Error(`redis-server on port ${port} exited (${code})`);
  });
  const ready = (async () => {
    for await (const line of createInterface({ input: proc.stdout! })) {
      if (line.includes("Ready to accept connections")) return;
    }
  })();
  await Promise.race([ready, exited]);
  exited.catch(() => {}); // an exit after the start is stop's
  return {
    port,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const gone = once(proc, "exit");
        proc.kill("SIGKILL");
        await gone;
      }
    },
  };
}
