/** Per-operation timings with a bounded reservoir, so memory stays flat over millions of calls. */

export interface OperationStats {
  count: number;
  errors: number;
  totalMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  rows: number;
}

const RESERVOIR_SIZE = 1_024;

class OperationRecorder {
  count = 0;
  errors = 0;
  totalMs = 0;
  maxMs = 0;
  rows = 0;
  readonly #samples: number[] = [];
  #seed = 0x2545f491;

  record(durationMs: number, rows: number, failed: boolean): void {
    this.count++;
    if (failed) this.errors++;
    this.totalMs += durationMs;
    this.rows += rows;
    if (durationMs > this.maxMs) this.maxMs = durationMs;
    if (this.#samples.length < RESERVOIR_SIZE) {
      this.#samples.push(durationMs);
    } else {
      // Algorithm R with a small deterministic PRNG (xorshift): every call equally likely to be kept.
      this.#seed ^= this.#seed << 13;
      this.#seed ^= this.#seed >>> 17;
      this.#seed ^= this.#seed << 5;
      const j = (this.#seed >>> 0) % this.count;
      if (j < RESERVOIR_SIZE) this.#samples[j] = durationMs;
    }
  }

  snapshot(): OperationStats {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const at = (q: number): number =>
      sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    return {
      count: this.count,
      errors: this.errors,
      totalMs: round(this.totalMs),
      p50Ms: round(at(0.5)),
      p95Ms: round(at(0.95)),
      maxMs: round(this.maxMs),
      rows: this.rows,
    };
  }
}

const round = (ms: number): number => Math.round(ms * 1_000) / 1_000;

export class OperationTimings {
  readonly #byName = new Map<string, OperationRecorder>();

  record(operation: string, durationMs: number, rows = 0, failed = false): void {
    let recorder = this.#byName.get(operation);
    if (recorder === undefined) this.#byName.set(operation, (recorder = new OperationRecorder()));
    recorder.record(durationMs, rows, failed);
  }

  /** Time `fn`, counting `rowsOf(result)` rows on success. */
  async time<T>(
    operation: string,
    fn: () => Promise<T>,
    rowsOf: (result: T) => number = () => 0,
  ): Promise<T> {
    const started = performance.now();
    try {
      const result = await fn();
      this.record(operation, performance.now() - started, rowsOf(result));
      return result;
    } catch (err) {
      this.record(operation, performance.now() - started, 0, true);
      throw err;
    }
  }

  snapshot(): Record<string, OperationStats> {
    const out: Record<string, OperationStats> = {};
    for (const [name, recorder] of this.#byName) out[name] = recorder.snapshot();
    return out;
  }
}
