import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { binary, type ServerOptions, startServer, type TestServer } from "./server.js";

const run = promisify(execFile);

/** A `distlock serve --auth` and the tokens its auth file lets in. */
export interface AuthServer extends TestServer {
  /** The token of each principal, by name. */
  readonly tokens: Readonly<Record<string, string>>;
}

/** Options of {@link startAuthServer}. */
export interface AuthServerOptions extends ServerOptions {
  /** Principal name → its groups. */
  principals: Record<string, string[]>;
  /** The auth file's `rules:` and `quotas:` sections, as YAML. */
  policy: string;
}

/**
 * Makes a token for each principal with `distlock auth new-token` (so the test never
 * writes a hash by hand), writes an auth file with their entries and the policy, and
 * starts `distlock serve --auth` on it.
 */
export async function startAuthServer(options: AuthServerOptions): Promise<AuthServer> {
  const dir = await mkdtemp(join(tmpdir(), "distlock-auth-"));
  try {
    const tokens: Record<string, string> = {};
    const entries: string[] = [];
    for (const [name, groups] of Object.entries(options.principals)) {
      const { stdout } = await run(await binary(), ["auth", "new-token", name, "--groups", groups.join(",")]);
      // Its output: a comment, the token, a comment, the entry.
      const lines = stdout.split("\n");
      tokens[name] = lines[1]!;
      entries.push(lines.slice(3).join("\n"));
    }
    const file = join(dir, "auth.yaml");
    await writeFile(file, `tokens:\n${entries.join("\n")}\n${options.policy}\n`);
    const server = await startServer({ ...options, extraArgs: ["--auth", file, ...(options.extraArgs ?? [])] });
    return {
      url: server.url,
      tokens,
      async close() {
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
