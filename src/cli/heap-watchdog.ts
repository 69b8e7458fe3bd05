/**
 * Catches the full collections that leave far more "alive" than the import holds, and collects
 * again at once, so V8 sizes the heap from the true live set. Process policy like heap-policy.ts:
 * only bin/ installs it.
 *
 * Why: V8 marks the old generation incrementally while the import runs, and everything allocated
 * or promoted during marking counts as alive until the next cycle. On two cores shared with
 * PostgreSQL the concurrent marker is starved, marking runs long, and now and then a full
 * collection ends with 55–80 MB "alive" where the import holds 25–45 MB (--trace-gc, PubChem
 * records). V8 sets the next limit from that (× 1.6 under the heap policy), the next cycle can do
 * it again, the heap grows to 125–150 MB and peak RSS jumps by 25–55 MB; a long run is the likelier
 * to catch one. An atomic collection right after such a cycle frees that floating garbage and
 * resets the limit: about one per 2,000,000 records, and peak RSS stayed at 167–183 MB (200,000
 * and 2,000,000 records) where one run in four without it peaked at 185–225 (bench/README.md).
 * A normal collection costs one read of the heap's spaces.
 */
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full collection leaving more than this × the smallest recent live set is suspect. */
export const INFLATION_RATIO = 1.5;
/** Below this the heap is too small for a second collection to matter. */
export const INFLATION_FLOOR_BYTES = 48 * 2 ** 20;
/** How many recent full collections the live-set baseline is the smallest of. */
export const BASELINE_WINDOW = 8;
/** The watchdog's own collections may take at most this share of the run's time. */
export const TIME_BUDGET_SHARE = 0.02;

export interface HeapInflationOptions {
  /** @default {@link INFLATION_RATIO} */
  ratio?: number;
  /** @default {@link INFLATION_FLOOR_BYTES} */
  floorBytes?: number;
  /** @default {@link BASELINE_WINDOW} */
  window?: number;
  /** @default {@link TIME_BUDGET_SHARE} */
  budgetShare?: number;
}

/**
 * Decides, from the heap in use after each full collection, whether to collect again. The
 * baseline is the smallest of the last {@link BASELINE_WINDOW} results, so it follows a live set
 * that really grows (bigger batches later in a run) within a few cycles, while one inflated result
 * stands out against it. A time budget bounds what a live set that keeps swinging could cost.
 */
export class HeapInflationDetector {
  readonly ratio: number;
  readonly floorBytes: number;
  readonly window: number;
  readonly budgetShare: number;
  private readonly recent: number[] = [];
  private spentMs = 0;

  constructor(options: HeapInflationOptions = {}) {
    this.ratio = options.ratio ?? INFLATION_RATIO;
    this.floorBytes = options.floorBytes ?? INFLATION_FLOOR_BYTES;
    this.window = options.window ?? BASELINE_WINDOW;
    this.budgetShare = options.budgetShare ?? TIME_BUDGET_SHARE;
  }

  /** Smallest live set among the recent full collections, or undefined before the first. */
  get baselineBytes(): number | undefined {
    return this.recent.length === 0 ? undefined : Math.min(...this.recent);
  }

  /** True when a full collection that left `usedBytes` should be followed by an atomic one. */
  isInflated(usedBytes: number): boolean {
    const baseline = this.baselineBytes;
    return baseline !== undefined && usedBytes > this.floorBytes && usedBytes > baseline * this.ratio;
  }

  /** Record the heap in use after a full collection (a normal one, or the watchdog's own). */
  record(usedBytes: number): void {
    this.recent.push(usedBytes);
    if (this.recent.length > this.window) this.recent.shift();
  }

  /** True when another collection now keeps the forced ones within the budget of `elapsedMs`. */
  withinBudget(elapsedMs: number): boolean {
    return this.spentMs <= elapsedMs * this.budgetShare;
  }

  /** Count a forced collection's duration against the budget. */
  spend(ms: number): void {
    this.spentMs += ms;
  }
}

export interface HeapWatchdog {
  /** Atomic collections the watchdog ran. */
  readonly forcedCollections: number;
  stop(): void;
}

/**
 * Bytes in use outside the young generation: what a full collection leaves and V8 sizes the heap
 * from. The young generation is left out because it refills between the collection and this read.
 */
export function oldGenerationUsed(): number {
  let bytes = 0;
  for (const space of v8.getHeapSpaceStatistics()) {
    if (!space.space_name.startsWith('new_')) bytes += space.space_used_size;
  }
  return bytes;
}

/** V8's `gc()`, exposed after start-up; undefined where V8 refuses the flag. */
function exposeGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Watch this process's full collections. Returns undefined (nothing installed) where `gc()` cannot
 * be exposed at run time.
 */
export function startHeapWatchdog(detector = new HeapInflationDetector()): HeapWatchdog | undefined {
  const gc = exposeGc();
  if (gc === undefined) return undefined;
  let forcedCollections = 0;
  const started = performance.now();
  const observer = new PerformanceObserver((list) => {
    const major = list
      .getEntries()
      .some(
        (e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
      );
    if (!major) return;
    const after = oldGenerationUsed();
    if (detector.isInflated(after) && detector.withinBudget(performance.now() - started)) {
      const t = performance.now();
      gc();
      detector.spend(performance.now() - t);
      forcedCollections++;
      // The forced collection's own entry arrives later and is recorded again: harmless.
      detector.record(oldGenerationUsed());
    } else {
      detector.record(after);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    get forcedCollections() {
      return forcedCollections;
    },
    stop: () => observer.disconnect(),
  };
}
