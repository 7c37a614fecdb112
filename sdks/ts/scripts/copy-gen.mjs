// Copies the generated code (../../gen/ts, produced by `buf generate`, never edited) into
// src/gen/ so that it is compiled and packed with the SDK. src/gen/ is not committed.
import { cpSync, existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const from = fileURLToPath(new URL("../../../gen/ts/", import.meta.url));
const to = fileURLToPath(new URL("../src/gen/", import.meta.url));
if (!existsSync(from)) {
  console.error(`copy-gen: ${from} is missing; run \`make generate\` at the repository root`);
  process.exit(1);
}
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
