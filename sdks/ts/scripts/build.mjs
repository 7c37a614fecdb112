// Builds dist/ from scratch (stale outputs of renamed files must not be packed). It is the
// package's `prepare` script, so `npm install <path to sdks/ts>` and `npm pack` build it
// too; in a checkout without node_modules it first installs the pinned build tools.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const tsc = `${pkg}/node_modules/.bin/tsc`;
if (!existsSync(tsc)) {
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ["npm", []];
  execFileSync(npm[0], [...npm[1], "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: pkg, stdio: "inherit" });
}
rmSync(`${pkg}/dist`, { recursive: true, force: true });
execFileSync(tsc, ["-p", `${pkg}/tsconfig.json`], { stdio: "inherit" });
