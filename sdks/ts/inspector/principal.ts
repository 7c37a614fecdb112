// Who the inspector is signed in as, from the service's GET /whoami (internal/server/
// whoami.go) with the token field's bearer token: the principal, "auth off: open service"
// when the service runs without --auth, or "not signed in" when the token is empty or
// refused (401). Asked again whenever the token changes; an older answer never overwrites
// a newer one.

/** The body of GET /whoami. */
interface Whoami {
  auth?: false;
  principal?: string;
  groups?: string[];
  method?: string;
}

/** The caller in words, for the "Signed in as" line. */
export function principalLine(w: Whoami): string {
  if (w.auth === false) return "auth off: open service";
  const groups = w.groups?.length ? `, groups ${w.groups.join(", ")}` : "";
  return `${w.principal} (${w.method}${groups})`;
}

let asking: AbortController | undefined;

/** Shows in el who token signs in as, cancelling any question still open. */
export async function showPrincipal(el: HTMLElement, token: string): Promise<void> {
  asking?.abort();
  const ask = (asking = new AbortController());
  let line: string;
  try {
    const res = await fetch(new URL("/whoami", location.origin), {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      cache: "no-store",
      signal: ask.signal,
    });
    if (res.status === 401) line = "not signed in";
    else if (!res.ok) line = `unknown (the service answered ${res.status} to /whoami)`;
    else line = principalLine((await res.json()) as Whoami);
  } catch (e) {
    if (ask.signal.aborted) return;
    line = `unknown (${e instanceof Error ? e.message : String(e)})`;
  }
  if (!ask.signal.aborted) el.textContent = line;
}
