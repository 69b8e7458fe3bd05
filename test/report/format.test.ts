import { describe, expect, it } from 'vitest';
import { BatchSizeHistory } from '../../src/engine/stats.js';
import { formatBytes, formatDuration, sparkline } from '../../src/report/format.js';

describe('report formatting', () => {
  it('draws a sparkline that rises with the series', () => {
    const line = sparkline([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(line).toHaveLength(8);
    expect(line[0]).toBe('▁');
    expect(line[7]).toBe('█');
    expect(sparkline([])).toBe('');
    expect(
      sparkline(
        Array.from({ length: 500 }, (_, i) => i),
        40,
      ),
    ).toHaveLength(40);
  });

  it('formats bytes and durations for people', () => {
    expect(formatBytes(null)).toBe('-');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 ** 2)).toBe('200 MiB');
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(12_300)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2m 5s');
  });
});

describe('bounded run statistics', () => {
  it('tracks batch size min/median/max/final without keeping every batch', () => {
    const t = new BatchSizeHistory();
    for (const s of [100, 200, 400, 800, 800, 800, 800]) t.add(s);
    expect(t.summary(100)).toEqual({ initial: 100, min: 100, median: 800, max: 800, final: 800 });
    expect(new BatchSizeHistory().summary(50)).toEqual({ initial: 50, min: 0, median: 0, max: 0, final: 0 });
  });

  it('downsamples a long series to a bounded number of points', () => {
    const d = new BatchSizeHistory(64);
    for (let i = 0; i < 100_000; i++) d.add(i % 1000);
    const v = d.evolution();
    expect(v.length).toBeLessThanOrEqual(64);
    expect(v.length).toBeGreaterThan(16);
  });
});
