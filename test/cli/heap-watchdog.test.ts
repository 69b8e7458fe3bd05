/** The heap watchdog: which full collections it doubts, and that it can collect in a real process. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HeapInflationDetector } from '../../src/cli/heap-watchdog.js';

const MiB = 2 ** 20;

describe('HeapInflationDetector', () => {
  it('doubts nothing before it has a baseline', () => {
    const d = new HeapInflationDetector({ ratio: 1.5, floorBytes: 48 * MiB });
    expect(d.baselineBytes).toBeUndefined();
    expect(d.isInflated(500 * MiB)).toBe(false);
  });

  it('doubts a collection leaving more than ratio × the smallest recent live set, above the floor', () => {
    const d = new HeapInflationDetector({ ratio: 1.5, floorBytes: 48 * MiB });
    for (const mb of [40, 35, 42]) d.record(mb * MiB);
    expect(d.baselineBytes).toBe(35 * MiB);
    expect(d.isInflated(52 * MiB)).toBe(false); // 1.49 × 35
    expect(d.isInflated(53 * MiB)).toBe(true); // 1.51 × 35: the 60–75 MB cycles this is for
    expect(d.isInflated(70 * MiB)).toBe(true);
  });

  it('leaves small heaps alone: under the floor a second collection buys nothing', () => {
    const d = new HeapInflationDetector({ ratio: 1.5, floorBytes: 48 * MiB });
    d.record(10 * MiB);
    expect(d.isInflated(47 * MiB)).toBe(false);
    expect(d.isInflated(49 * MiB)).toBe(true);
  });

  it('follows a live set that really grows, within one window', () => {
    const d = new HeapInflationDetector({ ratio: 1.5, floorBytes: 0, window: 3 });
    d.record(20 * MiB);
    expect(d.isInflated(40 * MiB)).toBe(true);
    // The forced collection confirmed 40 MB; once the window has only such results, 40 is normal.
    for (let i = 0; i < 3; i++) d.record(40 * MiB);
    expect(d.baselineBytes).toBe(40 * MiB);
    expect(d.isInflated(55 * MiB)).toBe(false);
  });

  it('keeps its own collections within a share of the elapsed time', () => {
    const d = new HeapInflationDetector({ budgetShare: 0.02 });
    expect(d.withinBudget(0)).toBe(true); // nothing spent yet
    d.spend(30);
    expect(d.withinBudget(1000)).toBe(false); // 30 ms of 1 s is 3 %
    expect(d.withinBudget(1500)).toBe(true); // 2 %
  });
});

describe('startHeapWatchdog', () => {
  it('collects again after a full collection it doubts, in a plain node process', () => {
    // A child process: exposing gc() is a V8 flag, not something to do to the test runner. The
    // detector doubts exactly one collection, so the count is exact.
    const watchdog = pathToFileURL(path.resolve('dist/cli/heap-watchdog.js')).href;
    const script = `
      import { constants, PerformanceObserver } from 'node:perf_hooks';
      import { runInNewContext } from 'node:vm';
      import { HeapInflationDetector, startHeapWatchdog } from ${JSON.stringify(watchdog)};
      let doubts = 1;
      const detector = new (class extends HeapInflationDetector {
        isInflated() { return doubts-- > 0; }
      })();
      let majors = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
      }).observe({ entryTypes: ['gc'] });
      const dog = startHeapWatchdog(detector);
      if (!dog) { console.log(JSON.stringify({ unavailable: true })); process.exit(0); }
      const gc = runInNewContext('gc');
      gc();
      await new Promise((r) => setTimeout(r, 50));
      gc();
      await new Promise((r) => setTimeout(r, 50));
      dog.stop();
      console.log(JSON.stringify({ forced: dog.forcedCollections, majors, baseline: detector.baselineBytes }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { forced: number; majors: number; baseline: number };
    expect(out.forced).toBe(1);
    // The script's two full collections and the watchdog's own: it really collected. (At least:
    // V8 may add one of its own, which would not be the watchdog's, as forced = 1 shows.)
    expect(out.majors).toBeGreaterThanOrEqual(3);
    // Every full collection (the test's two and the forced one) left its live set as the baseline.
    expect(out.baseline).toBeGreaterThan(0);
  });
});
