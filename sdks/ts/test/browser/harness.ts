// What the browser specs share: page.ts bundled as a browser app would bundle it, a page
// server, Debian's Chromium (never a downloaded one), and calls into the page.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";
import { type Browser, chromium, type Page } from "playwright-core";
import { packageRoot } from "../paths.js";
import type { PageApi } from "./page.js";

const executablePath = "/usr/bin/chromium";
// On CI a missing browser is a failure, not a skip.
export const skip = !existsSync(executablePath) && !process.env.CI ? `${executablePath} is not installed` : false;

/** page.ts and the SDK, bundled by esbuild into one ES module. */
export async function bundlePage(): Promise<string> {
  const bundled = await build({
    entryPoints: [join(packageRoot, "test", "browser", "page.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    write: false,
    logLevel: "silent",
  });
  return bundled.outputFiles[0]!.text;
}

/** Serves the page and its bundle on a loopback port, whatever name the browser uses for it. */
export async function servePage(bundle: string): Promise<{ server: Server; port: number }> {
  const html = `<!doctype html><meta charset="utf-8"><title>distlock</title><script type="module" src="/page.js"></script>`;
  const server = createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html" }).end(html);
    } else if (req.url === "/page.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" }).end(bundle);
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Starts headless Chromium; extraArgs such as --host-resolver-rules come last. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/** Opens url in a new page of browser and waits for page.ts's functions; errors collects what the page throws. */
export async function openPage(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => "distlockTest" in globalThis);
  return page;
}

/** Runs one of page.ts's functions in the page. */
export function call<K extends keyof PageApi>(page: Page, name: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> {
  return page.evaluate(
    ([n, a]) => {
      const api = (globalThis as unknown as { distlockTest: Record<string, (...x: unknown[]) => unknown> }).distlockTest;
      return api[n]!(...a);
    },
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<PageApi[K]>>>;
}
