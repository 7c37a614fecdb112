// The inspector page served by `distlock serve` at /ui/ (internal/ui embeds its bundle;
// scripts/build-inspector.mjs builds it). It talks to the service it came from with the
// SDK: List for the table (owners, times, fencing tokens, waiters), Watch to know when to
// list again (List on a timer with back-off where the server cannot watch), and
// ForceRelease behind a confirmation that asks for the audit reason. Node health comes
// from GET /readyz (inspector/health.ts), the signed-in principal from GET /whoami
// (inspector/principal.ts).
import { createLockClient, type DistlockError, type ListedLock, type LockClient } from "../src/index.js";
import { backoffStepMs } from "../src/gen/distlock/v1/policy.js";
import { followHealth } from "./health.js";
import { showPrincipal } from "./principal.js";
import { sleep } from "./sleep.js";

const POLL_MS = 2_000; // List period when the server cannot watch
const REFRESH_MS = 5_000; // waiters are not in watch events: list again this often anyway
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
const MAX_SHOWN = 2_000; // locks listed at most, so a huge prefix cannot freeze the tab
// A renewing holder extends at a third of its TTL (5 s at least), so it never gets this
// close to expiry: a lock under it is failing to renew.
const EXPIRING_MS = 2_000;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const tbody = document.querySelector("#locks tbody") as HTMLTableSectionElement;

let locks: ListedLock[] = [];
let session: AbortController | undefined;

/** "1h 02m", "3m 05s", "12s": a duration a person reads at a glance. */
function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${s}s`;
}

function cell(row: HTMLTableRowElement, label: string, text: string, cls = ""): HTMLTableCellElement {
  const td = row.insertCell();
  td.dataset["label"] = label;
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

/** Redraws the table from locks; the clock columns are redrawn every second by tick. */
function render(): void {
  const focused = (document.activeElement as HTMLElement | null)?.dataset["resource"];
  tbody.replaceChildren();
  for (const l of locks) {
    const row = tbody.insertRow();
    row.dataset["resource"] = l.resource;
    cell(row, "Resource", l.resource, "resource");
    cell(row, "Owner", l.owner);
    cell(row, "Age", "", "num age");
    cell(row, "Time left", "", "num left");
    cell(row, "Fencing token", l.fencingToken.toString(), "num");
    cell(row, "Waiters", String(l.waiters), "num");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "danger";
    button.textContent = "Force-release";
    button.dataset["resource"] = l.resource;
    button.setAttribute("aria-label", `Force-release ${l.resource}`);
    button.addEventListener("click", () => confirmRelease(l));
    cell(row, "", "").append(button);
    if (focused === l.resource) button.focus();
  }
  $("count").textContent = `(${locks.length})`;
  $("empty").hidden = locks.length > 0;
  tick();
}

function tick(): void {
  const now = Date.now();
  for (const [i, row] of [...tbody.rows].entries()) {
    const l = locks[i];
    if (!l) continue;
    const left = l.expireTime.getTime() - now;
    row.querySelector(".age")!.textContent = duration(now - l.lockTime.getTime());
    const leftCell = row.querySelector(".left")!;
    leftCell.textContent = left > 0 ? duration(left) : "expiring";
    leftCell.classList.toggle("expiring", left < EXPIRING_MS);
  }
}

function status(text: string): void {
  $("status").textContent = text;
}

function showError(text: string | undefined): void {
  const el = $("error");
  el.hidden = text === undefined;
  el.textContent = text ?? "";
}

const describe = (e: unknown): string => (e instanceof Error ? `${(e as DistlockError).code ?? "error"}: ${e.message}` : String(e));

async function listAll(client: LockClient, prefix: string, signal: AbortSignal): Promise<void> {
  const found: ListedLock[] = [];
  for await (const l of client.locks(prefix, { pageSize: 1000, signal })) {
    found.push(l);
    if (found.length >= MAX_SHOWN) break;
  }
  locks = found.sort((a, b) => a.resource.localeCompare(b.resource));
  render();
}

/**
 * Keeps the table current until signal aborts: a List, then Watch events trigger the next
 * ones; where the server cannot watch, a List every POLL_MS. Any failure shows the error
 * state and starts over after a back-off.
 */
async function follow(client: LockClient, prefix: string, signal: AbortSignal): Promise<void> {
  let failures = 0;
  let canWatch = true;
  while (!signal.aborted) {
    try {
      await listAll(client, prefix, signal);
      showError(undefined);
      failures = 0;
      if (canWatch) {
        status(`Live: watching ${prefix === "" ? "every lock" : `“${prefix}”`} for changes.`);
        await watchChanges(client, prefix, signal);
      } else {
        status(`Listing every ${POLL_MS / 1000} s (this server's lock backend cannot watch).`);
        await sleep(POLL_MS, signal);
      }
    } catch (e) {
      if (signal.aborted) return;
      if ((e as DistlockError).code === "unimplemented" && canWatch) {
        canWatch = false;
        continue;
      }
      const wait = backoffStepMs(failures++, RETRY_MIN_MS, RETRY_MAX_MS);
      const again = `Trying again in ${Math.round(wait / 1000)} s; the table shows the last answer.`;
      const code = (e as DistlockError).code;
      if (code === "unauthenticated" || code === "permission_denied" || code === "invalid_argument") {
        showError(`The service refused to list “${prefix}” (${describe(e)}): check the prefix, and the bearer token, which must allow reading every name under it. ${again}`);
      } else {
        showError(`Cannot reach the lock service (${describe(e)}). ${again}`);
      }
      status("");
      await sleep(wait, signal);
    }
  }
}

/** Lists again after every burst of watch events and every REFRESH_MS; throws when the stream fails. */
async function watchChanges(client: LockClient, prefix: string, signal: AbortSignal): Promise<void> {
  const stream = new AbortController();
  const stop = (): void => stream.abort();
  signal.addEventListener("abort", stop, { once: true });
  let pending: ReturnType<typeof setTimeout> | undefined;
  let listing = Promise.resolve();
  let failed: unknown;
  const relist = (delay: number) => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      listing = listAll(client, prefix, stream.signal).catch((e: unknown) => {
        failed ??= e;
        stream.abort();
      });
      relist(REFRESH_MS);
    }, delay);
  };
  relist(REFRESH_MS);
  let synced = false;
  try {
    for await (const ev of client.watch(prefix, { prefix: true, signal: stream.signal })) {
      // A change between the first List and the watch's start shows in its state: list again once synced.
      if (ev.kind === "synced") synced = true;
      if (synced) relist(100);
    }
    if (failed !== undefined) throw failed;
    if (!signal.aborted) throw new Error("the watch stream ended");
  } finally {
    signal.removeEventListener("abort", stop);
    clearTimeout(pending);
    stream.abort();
    await listing;
  }
}

function confirmRelease(l: ListedLock): void {
  const dialog = $("confirm") as HTMLDialogElement;
  $("confirm-resource").textContent = l.resource;
  $("confirm-owner").textContent = l.owner || "(no owner label)";
  const reason = $("reason") as HTMLTextAreaElement;
  reason.value = "";
  const err = $("confirm-error");
  err.hidden = true;
  dialog.dataset["resource"] = l.resource;
  dialog.showModal();
  reason.focus();
}

async function onConfirm(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const dialog = $("confirm") as HTMLDialogElement;
  const resource = dialog.dataset["resource"]!;
  const reasonField = $("reason") as HTMLTextAreaElement;
  const reason = reasonField.value.trim();
  const err = $("confirm-error");
  if (reason === "") {
    err.textContent = "Say why: the reason goes to the audit log.";
    err.hidden = false;
    reasonField.setAttribute("aria-invalid", "true");
    reasonField.focus();
    return;
  }
  reasonField.removeAttribute("aria-invalid");
  try {
    const broken = await client().forceRelease(resource, { reason });
    dialog.close();
    status(`Force-released ${resource} (held by ${broken.owner}, fencing token ${broken.fencingToken}); later grants get a token above ${broken.advancedFencingToken}.`);
    locks = locks.filter((l) => l.resource !== resource);
    render();
  } catch (e) {
    err.textContent = `Not released: ${describe(e)}`;
    err.hidden = false;
  }
}

let current: LockClient | undefined;
function client(): LockClient {
  return current!;
}

function start(): void {
  session?.abort();
  session = new AbortController();
  const prefix = ($("prefix") as HTMLInputElement).value;
  const token = ($("token") as HTMLInputElement).value.trim();
  sessionStorage.setItem("distlock.prefix", prefix);
  sessionStorage.setItem("distlock.token", token);
  const url = new URL(location.href);
  url.searchParams.set("prefix", prefix);
  history.replaceState(null, "", url);
  try {
    current = createLockClient({ baseUrl: location.origin, ...(token ? { token } : {}) });
  } catch (e) {
    showError(describe(e));
    return;
  }
  locks = [];
  render();
  status("Loading…");
  void follow(current, prefix, session.signal);
}

($("prefix") as HTMLInputElement).value = new URLSearchParams(location.search).get("prefix") ?? sessionStorage.getItem("distlock.prefix") ?? "";
($("token") as HTMLInputElement).value = sessionStorage.getItem("distlock.token") ?? "";
$("token").addEventListener("input", () => void showPrincipal($("principal"), ($("token") as HTMLInputElement).value.trim()));
$("search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  start();
});
$("confirm-form").addEventListener("submit", (ev) => void onConfirm(ev as SubmitEvent));
$("confirm-cancel").addEventListener("click", () => ($("confirm") as HTMLDialogElement).close());
setInterval(tick, 1_000);
start();
void showPrincipal($("principal"), ($("token") as HTMLInputElement).value.trim());
void followHealth($("health"), new AbortController().signal);
