import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { watch } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "./paths.js";

/** A running `distlock serve`. */
export interface TestServer {
  /** The base URL, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** Stops the server (SIGTERM, a graceful shutdown) and removes its files. */
  close(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Browser origins allowed to call the service (--cors-origins). */
  corsOrigins?: string[];
  /** More flags for `distlock serve`, e.g. ["--max-ttl", "1m"]. */
  extraArgs?: string[];
}

let builtBinary: string | undefined;

/**
 * The distlock binary: $DISTLOCK_BIN (scripts/test.mjs builds it once for all specs), or
 * one built here for a spec run on its own.
 */
export async function binary(): Promise<string> {
  if (process.env.DISTLOCK_BIN) {
    return process.env.DISTLOCK_BIN;
  }
  if (builtBinary === undefined) {
    const dir = await mkdtemp(join(tmpdir(), "distlock-bin-"));
    process.once("exit", () => execFileSync("rm", ["-rf", dir]));
    builtBinary = join(dir, "distlock");
    execFileSync("go", ["build", "-o", builtBinary, "./cmd/distlock"], { cwd: join(packageRoot, "..", ".."), stdio: "inherit" });
  }
  return builtBinary;
}

/**
 * Starts `distlock serve` on a free loopback port with its embedded Redis servers, and
 * resolves once it writes its ready file.
 */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "distlock-serve-"));
  const readyFile = join(dir, "ready");
  const args = ["serve", "--listen", "127.0.0.1:0", "--ready-file", readyFile, "--log-level", "error"];
  if (options.corsOrigins) {
    args.push("--cors-origins", options.corsOrigins.join(","));
  }
  args.push(...(options.extraArgs ?? []));
  // Watch before starting, so the file's creation cannot be missed.
  const watcher = watch(dir);
  let child: ChildProcess | undefined;
  try {
    child = spawn(await binary(), args, { stdio: ["ignore", "inherit", "inherit"] });
    const exited = new Promise<never>((_, reject) =>
      child!.once("exit", (code, signal) => reject(new Error(`distlock serve exited early (${code ?? signal})`))),
    );
    const ready = new Promise<string>((resolve) => {
      const check = (): void => {
        readFile(readyFile, "utf8").then(
          (text) => text.startsWith("http") && resolve(text.trim()),
          () => {}, // not written yet: the next event checks again
        );
      };
      // Fires for every entry created, renamed or written in dir.
      watcher.on("change", check);
      check();
    });
    const url = await Promise.race([ready, exited]);
    exited.catch(() => {}); // an exit after a good start is awaited by close
    const proc = child;
    return {
      url,
      async close() {
        if (proc.exitCode === null && proc.signalCode === null) {
          const gone = new Promise((resolve) => proc.once("exit", resolve));
          proc.kill("SIGTERM");
          await gone;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    child?.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw e;
  } finally {
    watcher.close();
  }
}
