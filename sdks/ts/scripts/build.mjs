// Builds dist/ from scratch: stale outputs of renamed files must not be packed.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("..", import.meta.url));
rmSync(`${pkg}/dist`, { recursive: true, force: true });
execFileSync(process.execPath, [`${pkg}/scripts/copy-gen.mjs`], { stdio: "inherit" });
execFileSync(`${pkg}/node_modules/.bin/tsc`, ["-p", `${pkg}/tsconfig.json`], { stdio: "inherit" });
