// Compiles sources and specs to build/ from scratch: a spec that was renamed or deleted
// must not keep running from a stale build/test/*.spec.js.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("..", import.meta.url));
rmSync(`${pkg}/build`, { recursive: true, force: true });
execFileSync(`${pkg}/node_modules/.bin/tsc`, ["-p", `${pkg}/tsconfig.test.json`], { stdio: "inherit" });
