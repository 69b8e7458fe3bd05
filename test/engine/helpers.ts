/** Small deterministic helpers for the engine tests: no timers, no wall-clock assumptions. */

/** Seeded PRNG (mulberry32), so property tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Yield to the event loop `n` times (lets other batches make progress; not a timed sleep). */
export async function ticks(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A manual clock for `now` injection. */
export function fakeClock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** An async generator over 0..n-1 that counts how many items were pulled from it. */
export function countingSource(n: number): {
  source: AsyncGenerator<number>;
  pulled: () => number;
  closed: () => boolean;
} {
  let pulled = 0;
  let closed = false;
  // Async with nothing to await: the engine's async-iterable path is what the tests exercise.
  // eslint-disable-next-line @typescript-eslint/require-await
  async function* gen(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        pulled++;
        yield i;
      }
    } finally {
      closed = true;
    }
  }
  return { source: gen(), pulled: () => pulled, closed: () => closed };
}

/** Quiet in-process defaults so tests never wait on real backoff. */
export const instantRetry = { sleep: async (): Promise<void> => {}, random: () => 0.5 };
