// Runs the compiled specs (build/**/*.spec.js) with node:test. The integration specs start
// `distlock serve`; the binary is built here once (or taken from $DISTLOCK_BIN) so that
// the spec processes, which node:test runs in parallel, do not each build it.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const repo = join(pkg, "..", "..");
const only = process.argv.slice(2);

let tmp;
if (!process.env.DISTLOCK_BIN) {
  tmp = mkdtempSync(join(tmpdir(), "distlock-ts-"));
  process.env.DISTLOCK_BIN = join(tmp, "distlock");
  execFileSync("go", ["build", "-o", process.env.DISTLOCK_BIN, "./cmd/distlock"], { cwd: repo, stdio: "inherit" });
}

const specs = readdirSync(join(pkg, "build"), { recursive: true })
  .filter((f) => f.endsWith(".spec.js"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .map((f) => join("build", f))
  .sort();

// A hung test (a server that never gets ready, a browser that never answers) fails after
// two minutes instead of stalling `make test`. The specs mostly wait on TTLs and renewals
// (43 s of CPU in an 82 s run with two at a time), so four run at once: 50 s.
const res = spawnSync(process.execPath, ["--test", "--test-concurrency=4", "--test-timeout=120000", ...specs], {
  cwd: pkg,
  stdio: "inherit",
});
if (tmp) {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(res.status ?? 1);
