import type { Clock, Timer } from "../src/clock.js";

/** A clock that moves only when a test advances it. */
export interface ManualClock extends Clock {
  /** Moves time forward by ms, firing due timers in order. */
  advance(ms: number): void;
  /** Moves time to the next timer's due time and fires it; throws when none is set. */
  fireNext(): void;
  /** The due times of the timers that are set, earliest first. */
  dueTimes(): number[];
  /** Resolves once a timer is set (at once if one already is). */
  timerSet(): Promise<void>;
  /** Resolves when the next timer is set, whether or not others already are. */
  nextTimer(): Promise<void>;
}

interface Entry {
  due: number;
  seq: number;
  fn: () => void;
}

export function createManualClock(start = 0): ManualClock {
  let now = start;
  let seq = 0;
  let timers: Entry[] = [];
  let onSet: (() => void)[] = [];

  const sorted = (): Entry[] => [...timers].sort((a, b) => a.due - b.due || a.seq - b.seq);
  const fire = (e: Entry): void => {
    timers = timers.filter((t) => t !== e);
    now = Math.max(now, e.due);
    e.fn();
  };

  return {
    now: () => now,
    setTimeout(fn, ms): Timer {
      const e = { due: now + ms, seq: seq++, fn };
      timers.push(e);
      const waiting = onSet;
      onSet = [];
      waiting.forEach((w) => w());
      return e;
    },
    clearTimeout(timer) {
      timers = timers.filter((t) => t !== timer);
    },
    advance(ms) {
      const until = now + ms;
      for (let next = sorted()[0]; next !== undefined && next.due <= until; next = sorted()[0]) {
        fire(next);
      }
      now = until;
    },
    fireNext() {
      const next = sorted()[0];
      if (next === undefined) {
        throw new Error("no timer is set");
      }
      fire(next);
    },
    dueTimes: () => sorted().map((t) => t.due),
    timerSet() {
      if (timers.length > 0) {
        return Promise.resolve();
      }
      return new Promise((resolve) => onSet.push(resolve));
    },
    nextTimer() {
      return new Promise((resolve) => onSet.push(resolve));
    },
  };
}

/** Awaits a timer (a pause being taken), lets the earliest run out, and returns its length. */
export async function pauseTaken(clock: ManualClock): Promise<number> {
  await clock.timerSet();
  const [due] = clock.dueTimes();
  const pause = due! - clock.now();
  clock.fireNext();
  return pause;
}
