/**
 * Run statistics in constant memory however many batches pass: counters, peaks, a size histogram
 * rounded to three significant digits, and a batch-size evolution downsampled by merging pairs.
 */

export interface EvolutionPoint {
  /** Milliseconds since the processor was created, at the end of the batch (first of a merged group). */
  atMs: number;
  /** Batch size (mean over a merged group). */
  size: number;
  /** Batch duration (mean over a merged group). */
  durationMs: number;
}

export interface EngineStats {
  /** Items that went through, successful or failed. */
  totalItemsProcessed: number;
  totalItemsFailed: number;
  batchCount: number;
  /** Wall time spent inside processing calls (overlapping batches count once). */
  totalDurationMs: number;
  itemsPerSecond: number;
  /** totalItemsFailed / totalItemsProcessed (0 before any item). */
  errorRate: number;
  peakRssBytes: number;
  /** Largest heap in use seen, main thread or any worker thread. */
  peakHeapUsedBytes: number;
  batchSizes: BatchSizeSummary;
  /** At most `maxEvolutionPoints` points, oldest first, evenly spaced in batches. */
  evolution: EvolutionPoint[];
}

/** Default bound on evolution points. */
export const MAX_EVOLUTION_POINTS = 512;

function roundToSignificant(n: number, digits: number): number {
  if (n < 10 ** digits) return n;
  const scale = 10 ** (Math.floor(Math.log10(n)) + 1 - digits);
  return Math.round(n / scale) * scale;
}

/** Batch sizes at a glance: the first and last, the extremes and the median. */
export interface BatchSizeSummary {
  /** The first batch's size, unless the owner says where the strategy started. */
  initial: number;
  min: number;
  median: number;
  max: number;
  /** The last batch's size. */
  final: number;
}

/**
 * The history of batch sizes in constant memory: min, max, first, last, a median from a size
 * histogram rounded to three significant digits, and an evolution of at most `maxPoints` points,
 * downsampled by merging neighbours. The engine's stats and the import's (per run and per file)
 * keep theirs in one of these.
 */
export class BatchSizeHistory {
  private batches = 0;
  private minSize = 0;
  private maxSize = 0;
  private initialSize = 0;
  private finalSize = 0;
  private readonly sizeHistogram = new Map<number, number>();
  private readonly points: EvolutionPoint[] = [];
  /** Batches each stored point stands for; doubles at each merge. */
  private stride = 1;
  private pending = { count: 0, atMs: 0, size: 0, durationMs: 0 };

  constructor(private readonly maxPoints = MAX_EVOLUTION_POINTS) {}

  get count(): number {
    return this.batches;
  }

  /** One batch: its size, and when it ended and how long it took (for the evolution). */
  add(size: number, atMs = 0, durationMs = 0): void {
    if (this.batches === 0) {
      this.initialSize = size;
      this.minSize = size;
      this.maxSize = size;
    }
    this.batches++;
    this.finalSize = size;
    this.minSize = Math.min(this.minSize, size);
    this.maxSize = Math.max(this.maxSize, size);
    const key = roundToSignificant(size, 3);
    this.sizeHistogram.set(key, (this.sizeHistogram.get(key) ?? 0) + 1);
    this.addPoint(atMs, size, durationMs);
  }

  /** All zeros before the first batch, but `initial` when given. */
  summary(initial = this.initialSize): BatchSizeSummary {
    return { initial, min: this.minSize, median: this.median(), max: this.maxSize, final: this.finalSize };
  }

  /** At most `maxPoints` points, oldest first, evenly spaced in batches. */
  evolution(): EvolutionPoint[] {
    return this.points.map((p) => ({ ...p }));
  }

  private addPoint(atMs: number, size: number, durationMs: number): void {
    const p = this.pending;
    if (p.count === 0) p.atMs = atMs;
    p.count++;
    p.size += size;
    p.durationMs += durationMs;
    if (p.count < this.stride) return;
    this.points.push({ atMs: p.atMs, size: p.size / p.count, durationMs: p.durationMs / p.count });
    this.pending = { count: 0, atMs: 0, size: 0, durationMs: 0 };
    if (this.points.length < this.maxPoints) return;
    // Full: merge neighbours, halving the points; from now on each point stands for twice the batches.
    const merged: EvolutionPoint[] = [];
    for (let i = 0; i + 1 < this.points.length; i += 2) {
      const a = this.points[i] as EvolutionPoint;
      const b = this.points[i + 1] as EvolutionPoint;
      merged.push({
        atMs: a.atMs,
        size: (a.size + b.size) / 2,
        durationMs: (a.durationMs + b.durationMs) / 2,
      });
    }
    this.points.splice(0, this.points.length, ...merged);
    this.stride *= 2;
  }

  private median(): number {
    const keys = [...this.sizeHistogram.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const key of keys) {
      seen += this.sizeHistogram.get(key) ?? 0;
      if (seen * 2 >= this.batches) return key;
    }
    return 0;
  }
}

export class StatsCollector {
  private items = 0;
  private failed = 0;
  private peakRss = 0;
  private peakHeap = 0;
  private readonly sizes: BatchSizeHistory;
  private finishedRunsMs = 0;
  private activeRuns = 0;
  private activeSince = 0;

  constructor(
    private readonly now: () => number,
    maxPoints = MAX_EVOLUTION_POINTS,
    private readonly origin = now(),
  ) {
    this.sizes = new BatchSizeHistory(maxPoints);
  }

  /** Processing time counts while at least one run is active, so concurrent runs do not double it. */
  beginRun(): void {
    if (this.activeRuns++ === 0) this.activeSince = this.now();
  }

  endRun(): void {
    if (this.activeRuns > 0 && --this.activeRuns === 0) this.finishedRunsMs += this.now() - this.activeSince;
  }

  recordMemory(rssBytes: number, heapUsedBytes: number): void {
    if (rssBytes > this.peakRss) this.peakRss = rssBytes;
    if (heapUsedBytes > this.peakHeap) this.peakHeap = heapUsedBytes;
  }

  recordBatch(size: number, failed: number, durationMs: number): void {
    this.items += size;
    this.failed += failed;
    this.sizes.add(size, this.now() - this.origin, durationMs);
  }

  snapshot(): EngineStats {
    const running = this.activeRuns > 0 ? this.now() - this.activeSince : 0;
    const totalDurationMs = this.finishedRunsMs + running;
    return {
      totalItemsProcessed: this.items,
      totalItemsFailed: this.failed,
      batchCount: this.sizes.count,
      totalDurationMs,
      itemsPerSecond: totalDurationMs > 0 ? (this.items * 1000) / totalDurationMs : 0,
      errorRate: this.items > 0 ? this.failed / this.items : 0,
      peakRssBytes: this.peakRss,
      peakHeapUsedBytes: this.peakHeap,
      batchSizes: this.sizes.summary(),
      evolution: this.sizes.evolution(),
    };
  }
}

/**
 * Combine the stats of two runs of the same operation: counts and durations add, peaks and
 * extremes combine, the latest run supplies the median, the final size and the evolution.
 */
export function mergeStats(earlier: EngineStats, later: EngineStats): EngineStats {
  if (earlier.batchCount === 0) return later;
  if (later.batchCount === 0) return earlier;
  const items = earlier.totalItemsProcessed + later.totalItemsProcessed;
  const failed = earlier.totalItemsFailed + later.totalItemsFailed;
  const durationMs = earlier.totalDurationMs + later.totalDurationMs;
  return {
    totalItemsProcessed: items,
    totalItemsFailed: failed,
    batchCount: earlier.batchCount + later.batchCount,
    totalDurationMs: durationMs,
    itemsPerSecond: durationMs > 0 ? (items * 1000) / durationMs : 0,
    errorRate: items > 0 ? failed / items : 0,
    peakRssBytes: Math.max(earlier.peakRssBytes, later.peakRssBytes),
    peakHeapUsedBytes: Math.max(earlier.peakHeapUsedBytes, later.peakHeapUsedBytes),
    batchSizes: {
      min: Math.min(earlier.batchSizes.min, later.batchSizes.min),
      median: later.batchSizes.median,
      max: Math.max(earlier.batchSizes.max, later.batchSizes.max),
      initial: earlier.batchSizes.initial,
      final: later.batchSizes.final,
    },
    evolution: later.evolution,
  };
}
