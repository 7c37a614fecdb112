// `npm pack` gives a tarball that installs into an empty project and works there: ESM,
// types, the generated code inside, against a real service.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { packageRoot } from "./paths.js";
import { startServer, type TestServer } from "./server.js";

const run = promisify(execFile);

function devDependency(name: string): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  return pkg.devDependencies[name]!;
}

const consumer = `
import { createLockClient, NotAcquiredError } from "@distlock/client";

const client = createLockClient({ baseUrl: process.argv[2] });
{
  await using lock = await client.acquire("pack-test/orders/42", { ttlMs: 5_000, owner: "tarball" });
  const fence: bigint = lock.fencingToken;
  try {
    await client.acquire("pack-test/orders/42");
    throw new Error("acquired a held lock");
  } catch (e) {
    if (!(e instanceof NotAcquiredError)) throw e;
  }
  console.log(\`held \${lock.resource} with fencing token \${fence}\`);
}
await client.acquire("pack-test/orders/42").then((lock) => lock.release());
console.log("released");
`;

describe("the npm tarball", () => {
  let server: TestServer;
  let dir: string;
  let tarball: string;

  before(async () => {
    server = await startServer();
    dir = await mkdtemp(join(tmpdir(), "distlock-pack-"));
    // dist/ is already built by `npm test`; rebuilding here would race the other specs.
    const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: packageRoot });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, packed!.filename);
    files = packed!.files.map((f) => f.path);
  });
  let files: string[] = [];

  after(async () => {
    await server?.close();
    if (dir) {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("holds the built code, its types and the generated code, but no specs or sources", () => {
    for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/gen/distlock/v1/lock_pb.js"]) {
      assert.ok(files.includes(f), `${f} is missing from ${files.join(", ")}`);
    }
    assert.deepEqual(files.filter((f) => f.includes(".spec.") || f.startsWith("src/") || f.startsWith("test/")), []);
  });

  it("installs into an empty project, type-checks and works there", async () => {
    const project = join(dir, "app");
    await run("mkdir", ["-p", project]);
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    // The dependencies come from npm's cache when `npm ci` has filled it. A Node program
    // type-checks against Node's types, at the version the SDK itself is tested with, and
    // the DOM lib, which connect-es's declarations need (HeadersInit).
    const typesNode = `@types/node@${devDependency("@types/node")}`;
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball, typesNode], { cwd: project });
    const installed = JSON.parse(await readFile(join(project, "node_modules/@distlock/client/package.json"), "utf8")) as { name: string };
    assert.equal(installed.name, "@distlock/client");

    await writeFile(join(project, "main.ts"), consumer);
    const tsc = join(packageRoot, "node_modules", ".bin", "tsc");
    await run(tsc, [
      "--strict", "--target", "es2022", "--module", "nodenext", "--lib", "es2022,esnext.disposable,dom",
      "--types", "node", "--skipLibCheck", "false", "--outDir", "out", "main.ts",
    ], { cwd: project }).catch((e: { stdout?: string }) => assert.fail(`tsc failed:\n${e.stdout}`));

    const { stdout } = await run(process.execPath, [join(project, "out", "main.js"), server.url], { cwd: project });
    assert.match(stdout, /^held pack-test\/orders\/42 with fencing token \d+\nreleased\n$/);
  });
});
