// The package as a user gets it: installed into an empty project from its path (a copy of
// the checkout's files, as a fresh clone has them: no node_modules, no dist/) and from the
// tarball `npm pack` makes there. In each project every README example runs as the README
// shows it (its shell blocks too), on this Node, against a real `distlock serve` (the
// auth-*.ts ones against a `distlock serve --auth` that lets team-a's ci-deploy in, as the
// README's "Run it for several teams" configures it).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { packageRoot } from "./paths.js";
import { type AuthServer, startAuthServer } from "./auth-server.js";
import { startServer, type TestServer } from "./server.js";

const run = promisify(execFile);
const readmeDir = join(packageRoot, "test", "readme");
const examples = JSON.parse(readFileSync(join(readmeDir, "examples.json"), "utf8")) as string[];
const programs = examples.filter((f) => f.endsWith(".mjs") || f.endsWith(".ts"));

// npm takes what `npm ci` already cached and asks the registry only for the rest; a
// dependency that does not declare this Node among its engines fails the install.
const npmEnv = {
  ...process.env,
  npm_config_prefer_offline: "true",
  npm_config_engine_strict: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  npm_config_loglevel: "error",
};
const SLOW = { timeout: 600_000 };

/** Copies the package's files that git tracks or would track (not node_modules, dist/…) to dest. */
async function copyCheckout(dest: string): Promise<void> {
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "."], { cwd: packageRoot });
  for (const f of stdout.split("\0").filter((f) => f !== "")) {
    await mkdir(dirname(join(dest, f)), { recursive: true });
    await copyFile(join(packageRoot, f), join(dest, f));
  }
}

/** An empty project with the package installed from source and the README's files in it. */
async function project(dir: string, source: string): Promise<string> {
  await mkdir(dir);
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "app", private: true }));
  await run("npm", ["install", source], { cwd: dir, env: npmEnv });
  for (const f of examples) {
    await copyFile(join(readmeDir, f), join(dir, f));
  }
  for (const script of examples.filter((f) => f.endsWith(".sh"))) {
    await run("bash", ["-euo", "pipefail", script], { cwd: dir, env: npmEnv }).catch((e: { stdout?: string; stderr?: string }) =>
      assert.fail(`${script} failed:\n${e.stdout}${e.stderr}`),
    );
  }
  return dir;
}

let server: TestServer;
let authServer: AuthServer;
let tmp: string;
let checkout: string;
before(async () => {
  // In memory: the README's examples need no Redis.
  server = await startServer({ extraArgs: ["--lock-service", "memory://readme"] });
  authServer = await startAuthServer({
    principals: { "ci-deploy": ["team-a"] },
    policy: ["rules:", "  - groups: [team-a]", "    verbs: [acquire, read]", '    resources: ["team-a/"]'].join("\n"),
  });
  tmp = await mkdtemp(join(tmpdir(), "distlock-install-"));
  checkout = join(tmp, "checkout", "sdks", "ts");
  await copyCheckout(checkout);
}, SLOW);
after(async () => {
  await server?.close();
  await authServer?.close();
  if (tmp) {
    await rm(tmp, { recursive: true, force: true });
  }
});

const sources = {
  /** `npm install <path>`: npm links the directory and runs its prepare (which builds dist/). */
  path: async () => checkout,
  /** `npm pack` in the checkout (after the path install, so its build tools are there). */
  tarball: async () => {
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", tmp], { cwd: checkout, env: npmEnv });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/gen/distlock/v1/lock_pb.js", "dist/gen/distlock/v1/policy.js"]) {
      assert.ok(files.includes(f), `${f} is missing from the tarball: ${files.join(", ")}`);
    }
    assert.deepEqual(files.filter((f) => f.includes(".spec.") || f.startsWith("src/") || f.startsWith("test/")), []);
    return join(tmp, packed!.filename);
  },
};

for (const [name, source] of Object.entries(sources)) {
  describe(`the package installed from its ${name}`, () => {
    let dir: string;
    before(async () => {
      dir = await project(join(tmp, `app-${name}`), await source());
    }, SLOW);

    for (const program of programs) {
      it(`runs the README's ${program}`, async () => {
        const file = program.endsWith(".ts") ? join("out", program.replace(/\.ts$/, ".js")) : program;
        const env = program.startsWith("auth-")
          ? { ...process.env, DISTLOCK_URL: authServer.url, DISTLOCK_TOKEN: authServer.tokens["ci-deploy"]! }
          : { ...process.env, DISTLOCK_URL: server.url };
        const { stdout, stderr } = await run(process.execPath, [file], { cwd: dir, env });
        assert.equal(stderr, "");
        assert.notEqual(stdout, "", "an example shows what it did");
      });
    }
  });
}
