/**
 * Calls check every few milliseconds until it resolves true, and rejects if that takes
 * longer than withinMs: for outcomes that the service reaches on its own (a lock freed when
 * its stream ends), bounded far below any TTL that could reach them instead.
 */
export async function pollUntil(check: () => Promise<boolean>, withinMs: number, what: string): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!(await check())) {
    if (performance.now() > deadline) {
      throw new Error(`not within ${withinMs} ms: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
