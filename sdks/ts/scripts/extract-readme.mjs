// Writes every README example marked `<!-- example: FILE -->` (the fenced block that
// follows the marker) to test/readme/FILE, and their names in README order to
// test/readme/examples.json. The test build type-checks the .ts ones; install.spec.ts
// runs them all, as the README says, in projects that installed the package.
// test/readme/ is not committed.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(`${pkg}/README.md`, "utf8");
const out = `${pkg}/test/readme`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const marker = /<!-- example: ([a-z0-9-]+\.(?:ts|mjs|json|sh)) -->\s*```[a-z]*\n([\s\S]*?)```/g;
const names = [];
for (const [, name, code] of readme.matchAll(marker)) {
  const note = name.endsWith(".json") ? "" : `${name.endsWith(".sh") ? "#" : "//"} Extracted from README.md by scripts/extract-readme.mjs; do not edit.\n`;
  writeFileSync(`${out}/${name}`, note + code);
  names.push(name);
}
if (names.length === 0) {
  console.error("extract-readme: no `<!-- example: FILE -->` blocks found in README.md");
  process.exit(1);
}
writeFileSync(`${out}/examples.json`, JSON.stringify(names));
