/**
 * The local time (on the clock that measured sentAt) until which a lease granted or
 * extended for ttlMs is certainly held. Measuring from when the request was sent, not from
 * when the answer came, makes the network delay count against the holder; the drift
 * allowance (1% of the TTL plus 2 ms, as Redlock's) covers clocks that run at different
 * rates.
 */
export function validUntil(sentAt: number, ttlMs: number): number {
  return sentAt + ttlMs - (ttlMs / 100 + 2);
}
