import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import {
  BatchProcessingStrategy,
  STRATEGY_DEFAULTS,
  decideNextBatch,
  decideNextBatchSize,
  fillStrategyOptions,
  fitCostModel,
  sizeForDuration,
} from '../../src/engine/index.js';
import type { BatchSample, StrategyConfig } from '../../src/engine/index.js';
import { seededRandom } from './helpers.js';

const GiB = 1024 ** 3;

function config(overrides: Partial<StrategyConfig> = {}): StrategyConfig {
  return { ...STRATEGY_DEFAULTS, ...overrides };
}

/** Feed a strategy durations from a cost function; returns the sizes it chose. */
function drive(
  strategy: BatchProcessingStrategy,
  steps: number,
  durationOf: (size: number) => number,
): number[] {
  const sizes: number[] = [];
  for (let i = 0; i < steps; i++) {
    const size = strategy.nextBatchSize();
    sizes.push(size);
    strategy.recordSample({ size, durationMs: durationOf(size), memoryBytes: 0, failed: 0 });
  }
  return sizes;
}

describe('cost model', () => {
  it('recovers fixed and per-item cost from exact linear data', () => {
    const model = fitCostModel(
      [100, 200, 400].map((size) => ({ size, durationMs: 200 + 5 * size, weight: 1 })),
    );
    expect(model?.fixedMs).toBeCloseTo(200, 6);
    expect(model?.perItemMs).toBeCloseTo(5, 6);
    expect(sizeForDuration(model!, 5000)).toBeCloseTo(960, 6);
  });

  it('charges everything per item when only one size was seen', () => {
    const model = fitCostModel([{ size: 100, durationMs: 700, weight: 1 }]);
    expect(model).toEqual({ fixedMs: 0, perItemMs: 7 });
  });

  it('gives no model without usable samples', () => {
    expect(fitCostModel([])).toBeUndefined();
    expect(fitCostModel([{ size: 0, durationMs: 10, weight: 1 }])).toBeUndefined();
  });
});

describe('decideNextBatchSize', () => {
  it('starts at the initial size', () => {
    expect(decideNextBatchSize([], config({ initialBatchSize: 123 }))).toBe(123);
  });

  it('converges to the target duration when time = a + b × size', () => {
    const strategy = new BatchProcessingStrategy({
      initialBatchSize: 100,
      minBatchSize: 10,
      maxBatchSize: 10_000,
    });
    const sizes = drive(strategy, 12, (size) => 200 + 5 * size);
    // Growth is capped at ×2 per step on the way up...
    expect(sizes.slice(0, 4)).toEqual([100, 200, 400, 800]);
    // ...then it settles where 200 + 5 × size = 5000.
    const final = strategy.nextBatchSize();
    expect(Math.abs(200 + 5 * final - 5000) / 5000).toBeLessThan(0.01);
    expect(sizes.slice(-4).every((s) => Math.abs(s - 960) <= 1)).toBe(true);
  });

  it('converges from above as well, within [min, max]', () => {
    const strategy = new BatchProcessingStrategy({
      initialBatchSize: 5000,
      minBatchSize: 10,
      maxBatchSize: 10_000,
    });
    drive(strategy, 10, (size) => 1000 + 20 * size);
    expect(strategy.nextBatchSize()).toBe(200);
  });

  it('shrinks within three batches after a 10× slowdown, then re-converges', () => {
    const strategy = new BatchProcessingStrategy({
      initialBatchSize: 100,
      minBatchSize: 10,
      maxBatchSize: 10_000,
    });
    drive(strategy, 15, (size) => 200 + 5 * size);
    const steady = strategy.nextBatchSize();
    const after = drive(strategy, 3, (size) => 2000 + 50 * size);
    expect(Math.min(...after.slice(1), strategy.nextBatchSize())).toBeLessThanOrEqual(steady / 2);
    // The first slow batch alone is enough to shrink.
    expect(after[1]).toBeLessThan(steady / 2);
    drive(strategy, 15, (size) => 2000 + 50 * size);
    expect(Math.abs(2000 + 50 * strategy.nextBatchSize() - 5000) / 5000).toBeLessThan(0.05);
  });

  it('shrinks multiplicatively when memory passes the high-water mark', () => {
    const cfg = config({
      minBatchSize: 10,
      maxBatchSize: 10_000,
      memoryLimitBytes: GiB,
      memoryHighWater: 0.8,
    });
    const fast: BatchSample = { size: 800, durationMs: 100, memoryBytes: 0.5 * GiB, failed: 0 };
    expect(decideNextBatchSize([fast], cfg)).toBe(1600); // fast and memory fine: grow
    const high = { ...fast, memoryBytes: 0.85 * GiB };
    expect(decideNextBatch([fast, high], cfg)).toEqual({ size: 400, reason: 'memory' });
    const over = { ...fast, memoryBytes: 1.1 * GiB };
    expect(decideNextBatch([fast, over], cfg)).toEqual({ size: 200, reason: 'memory' });
  });

  it('shrinks when the error rate rises above the threshold, and stops growing', () => {
    const cfg = config({ minBatchSize: 10, maxBatchSize: 10_000, errorRateThreshold: 0.05 });
    const clean: BatchSample[] = Array.from({ length: 10 }, () => ({
      size: 500,
      durationMs: 1000,
      memoryBytes: 0,
      failed: 0,
    }));
    expect(decideNextBatchSize(clean, cfg)).toBe(1000);
    const failing = [...clean, { size: 500, durationMs: 1000, memoryBytes: 0, failed: 100 }];
    expect(decideNextBatch(failing, cfg)).toEqual({ size: 250, reason: 'errors' });
    // A steady (not rising) error rate no longer shrinks, but does not grow either.
    const steady = Array.from({ length: 10 }, () => ({
      size: 500,
      durationMs: 1000,
      memoryBytes: 0,
      failed: 100,
    }));
    expect(decideNextBatch(steady, cfg).size).toBe(500);
  });

  it('never leaves [min, max] and always returns an integer (random sequences)', () => {
    const random = seededRandom(42);
    const pick = <V>(values: readonly V[]): V => values[Math.floor(random() * values.length)] as V;
    for (let run = 0; run < 300; run++) {
      const min = 1 + Math.floor(random() * 50);
      const max = min + Math.floor(random() * 5000);
      const cfg = config({
        minBatchSize: min,
        maxBatchSize: max,
        initialBatchSize: min + Math.floor(random() * (max - min + 1)),
        targetDurationMs: pick([1, 50, 5000, 600_000]),
        window: 2 + Math.floor(random() * 30),
        maxGrowthFactor: 1.01 + random() * 5,
        shrinkFactor: 0.01 + random() * 0.98,
      });
      const samples: BatchSample[] = [];
      for (let step = 0; step < 40; step++) {
        const size = pick([1, min, max, Math.floor(random() * 10 * max) + 1]);
        samples.push({
          size,
          durationMs: pick([0, random() * 10, random() * 1e6, 1e12]),
          memoryBytes: pick([0, random() * 2 * GiB, 1e15]),
          failed: pick([0, 0, Math.floor(random() * size), size]),
          weight: pick([undefined, random() * size, 0]),
        });
        const next = decideNextBatchSize(samples, cfg);
        expect(Number.isInteger(next)).toBe(true);
        expect(next).toBeGreaterThanOrEqual(min);
        expect(next).toBeLessThanOrEqual(max);
      }
    }
  });

  it('returns the initial size every time when not adaptive', () => {
    const cfg = config({ adaptive: false, initialBatchSize: 50 });
    const samples = [{ size: 50, durationMs: 1, memoryBytes: 2 * GiB, failed: 50 }];
    expect(decideNextBatch(samples, cfg)).toEqual({ size: 50, reason: 'fixed' });
  });

  it('is pure: the same samples give the same answer and are not modified', () => {
    const samples: BatchSample[] = [
      { size: 100, durationMs: 700, memoryBytes: 0, failed: 0 },
      { size: 200, durationMs: 1200, memoryBytes: 0, failed: 0 },
    ];
    const copy = structuredClone(samples);
    expect(decideNextBatchSize(samples, config())).toBe(decideNextBatchSize(samples, config()));
    expect(samples).toEqual(copy);
  });

  it('keeps only the window of samples', () => {
    const strategy = new BatchProcessingStrategy({ window: 5 });
    drive(strategy, 50, (size) => size);
    expect(strategy.recentSamples()).toHaveLength(5);
  });
});

describe('strategy options', () => {
  it('fails at once with what was expected and what was received', () => {
    expect(() => new BatchProcessingStrategy({ minBatchSize: 0 })).toThrow(ConfigurationError);
    expect(() => new BatchProcessingStrategy({ minBatchSize: 0 })).toThrow(
      'BatchProcessingStrategy: option minBatchSize: expected an integer from 1 to 10000000, got 0',
    );
    expect(() => new BatchProcessingStrategy({ initialBatchSize: 5 })).toThrow(
      /initialBatchSize: expected an integer from minBatchSize \(10\) to maxBatchSize \(1000\), got 5/,
    );
    expect(() => new BatchProcessingStrategy({ shrinkFactor: 1 })).toThrow(
      /shrinkFactor: expected .* less than 1, got 1/,
    );
    expect(() => fillStrategyOptions('X', { targetDurationMs: Number.NaN })).toThrow(/got NaN/);
  });

  it('applies the documented defaults', () => {
    const strategy = new BatchProcessingStrategy();
    expect(strategy.config).toMatchObject({
      initialBatchSize: 100,
      minBatchSize: 10,
      maxBatchSize: 1000,
      targetDurationMs: 5000,
      memoryLimitBytes: GiB,
    });
  });
});
