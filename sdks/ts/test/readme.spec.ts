// Runs every example of README.md (extracted by scripts/extract-readme.mjs, type-checked
// by the test build) against a real service.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { packageRoot } from "./paths.js";
import { startServer, type TestServer } from "./server.js";

const dir = join(packageRoot, "build", "test", "readme");
const examples = readdirSync(dir).filter((f) => f.endsWith(".js"));

describe("README examples", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it("are there", () => {
    assert.ok(examples.length >= 5, `only ${examples.join(", ")}`);
  });

  for (const example of examples) {
    it(`runs ${example}`, async () => {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(dir, example)], {
        env: { ...process.env, DISTLOCK_URL: server.url },
      });
      assert.equal(stderr, "");
      assert.notEqual(stdout, "", "an example shows what it did");
    });
  }
});
