// Writes every README example marked `<!-- example: NAME -->` (the ```ts block that
// follows the marker) to test/readme/NAME.ts, where the test build type-checks it and
// readme.spec.ts runs it against a real service. test/readme/ is not committed.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(`${pkg}/README.md`, "utf8");
const out = `${pkg}/test/readme`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const marker = /<!-- example: ([a-z0-9-]+) -->\s*```ts\n([\s\S]*?)```/g;
let n = 0;
for (const [, name, code] of readme.matchAll(marker)) {
  writeFileSync(`${out}/${name}.ts`, `// Extracted from README.md by scripts/extract-readme.mjs; do not edit.\n${code}`);
  n++;
}
if (n === 0) {
  console.error("extract-readme: no `<!-- example: NAME -->` blocks found in README.md");
  process.exit(1);
}
