// Node health for the inspector page, from the service's GET /readyz (connectsvc/
// healthhttp.go): whether it can grant locks, and each Redis node up, down (with its
// error) or quarantined (with the time left). Said in words, not colour alone, in a
// polite live region that changes only when the report does.
import { backoffStepMs } from "../src/gen/distlock/v1/policy.js";
import { sleep } from "./sleep.js";

/** The body of GET /readyz, as connectsvc/healthhttp.go writes it (200 ready, else 503). */
interface ReadyReport {
  status: "ready" | "not_ready" | "draining";
  reason?: string;
  quorum?: number;
  trusted?: number;
  nodes?: {
    node: string;
    up: boolean;
    error?: string;
    quarantined: boolean;
    quarantine_left?: string;
    quarantined_until?: string;
  }[];
}

const POLL_MS = 2_000;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

function nodeLine(n: NonNullable<ReadyReport["nodes"]>[number]): string {
  if (!n.up) return `${n.node}: down (${n.error ?? "no answer"})`;
  if (n.quarantined) {
    const until = n.quarantined_until ? ` until ${new Date(n.quarantined_until).toLocaleTimeString()}` : "";
    return `${n.node}: quarantined${n.quarantine_left ? `, ${n.quarantine_left} left` : ""}${until}`;
  }
  return `${n.node}: up`;
}

/** The report in words: a summary line, then one line per node. */
export function healthLines(rep: ReadyReport): string[] {
  const nodes = rep.nodes ?? [];
  const counts = nodes.length > 0 ? `${rep.trusted ?? 0} of ${nodes.length} nodes trusted, quorum ${rep.quorum ?? 0}` : "no Redis nodes (in-memory backend)";
  const summary = {
    ready: `Ready: ${counts}.`,
    not_ready: `Not ready, no trusted quorum: ${counts}${rep.reason ? ` (${rep.reason})` : ""}.`,
    draining: "Draining: this replica is shutting down and grants no new locks.",
  }[rep.status] ?? `Unknown status “${String(rep.status)}”.`;
  return [summary, ...nodes.map(nodeLine)];
}

async function readyz(signal: AbortSignal): Promise<ReadyReport> {
  const res = await fetch(new URL("/readyz", location.origin), { signal, cache: "no-store" });
  if (res.status !== 200 && res.status !== 503) {
    throw new Error(`HTTP ${res.status}`);
  }
  return (await res.json()) as ReadyReport;
}

function show(el: HTMLElement, lines: string[]): void {
  const text = lines.join("\n");
  if (el.dataset["shown"] === text) return; // no new announcement for the same report
  el.dataset["shown"] = text;
  const [summary, ...nodes] = lines;
  const list = document.createElement("ul");
  list.className = "nodes";
  for (const line of nodes) {
    list.append(Object.assign(document.createElement("li"), { textContent: line }));
  }
  el.replaceChildren(summary ?? "", ...(nodes.length > 0 ? [list] : []));
}

/** Shows /readyz in el every POLL_MS, backing off while it does not answer, until signal aborts. */
export async function followHealth(el: HTMLElement, signal: AbortSignal): Promise<void> {
  el.setAttribute("aria-live", "polite");
  el.textContent = "checking…";
  let failures = 0;
  while (!signal.aborted) {
    let wait = POLL_MS;
    try {
      show(el, healthLines(await readyz(signal)));
      failures = 0;
    } catch (e) {
      if (signal.aborted) return;
      wait = backoffStepMs(failures++, RETRY_MIN_MS, RETRY_MAX_MS);
      show(el, [`Unknown: /readyz did not answer (${(e as Error)?.message ?? String(e)}); asking again in ${Math.round(wait / 1000)} s.`]);
    }
    await sleep(wait, signal);
  }
}
