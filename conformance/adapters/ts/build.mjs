// Builds dist/adapter.js: copies the adapter protocol's generated TypeScript (gen/ts, from
// `make generate`; src/gen/ is not committed) next to the adapter and compiles both,
// after building the SDK (sdks/ts/dist): the adapter tests the SDK as users get it.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const sdk = fileURLToPath(new URL("../../../sdks/ts/", import.meta.url));
execFileSync("npm", ["--prefix", sdk, "run", "--silent", "build"], { stdio: "inherit" });
const gen = fileURLToPath(new URL("../../../gen/ts/distlock/conformance/", import.meta.url));
rmSync(`${here}/dist`, { recursive: true, force: true });
rmSync(`${here}/src/gen`, { recursive: true, force: true });
cpSync(gen, `${here}/src/gen/distlock/conformance/`, { recursive: true });
execFileSync(`${here}/node_modules/.bin/tsc`, ["-p", `${here}/tsconfig.json`], { stdio: "inherit" });
