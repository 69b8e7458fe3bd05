import type { BatchSample, BatchSizingStrategy } from './batch-types.js';
import { fitCostModel, predictDurationMs, sizeForDuration } from './cost-model.js';
import type { CostPoint } from './cost-model.js';
import type { Logger } from '../logger.js';
import { checkLogger, fillStrategyOptions } from './options.js';
import type { StrategyConfig, StrategyOptions } from './options.js';

/** Why a size was chosen; logged, and handy in tests. */
export type DecisionReason = 'initial' | 'fixed' | 'memory' | 'errors' | 'slowdown' | 'model';

export interface BatchDecision {
  size: number;
  reason: DecisionReason;
}

/** The latest sample is trusted over the fit when it is this much slower than predicted. */
const SLOWDOWN_RATIO = 1.5;
/** Samples that make up "recent" for the error rate. */
const RECENT_ERROR_SAMPLES = 3;

/** Size of a sample in the unit the strategy sizes in: weight when items are weighed, else count. */
function loadOf(sample: BatchSample): number {
  return sample.weight !== undefined && sample.weight > 0 ? sample.weight : sample.size;
}

function clamp(size: number, config: StrategyConfig): number {
  const n = Number.isFinite(size) ? Math.round(size) : size > 0 ? config.maxBatchSize : config.minBatchSize;
  return Math.min(config.maxBatchSize, Math.max(config.minBatchSize, n));
}

function errorRate(samples: readonly BatchSample[]): number {
  let items = 0;
  let failed = 0;
  for (const s of samples) {
    items += Math.max(0, s.size);
    failed += Math.max(0, s.failed);
  }
  return items > 0 ? failed / items : 0;
}

/**
 * Decide the next batch size from the samples so far (oldest first). Pure: same samples, same
 * answer. In order: memory over the high-water mark shrinks; an error rate above the threshold and
 * rising shrinks; otherwise the cost model fitted on the recent window (newer samples weigh more)
 * gives the size that meets the target duration, growth capped per step, and a latest batch much
 * slower than the fit predicts is believed at once (a sudden slowdown must not take a whole window
 * to notice). The result is always an integer in [minBatchSize, maxBatchSize].
 */
export function decideNextBatch(samples: readonly BatchSample[], config: StrategyConfig): BatchDecision {
  const last = samples.at(-1);
  if (!config.adaptive) return { size: clamp(config.initialBatchSize, config), reason: 'fixed' };
  if (last === undefined) return { size: clamp(config.initialBatchSize, config), reason: 'initial' };
  const current = loadOf(last) > 0 ? loadOf(last) : config.initialBatchSize;

  const highWaterBytes = config.memoryHighWater * config.memoryLimitBytes;
  if (last.memoryBytes > highWaterBytes) {
    // Past the hard limit, shrink twice as hard: the next batch may not survive otherwise.
    const factor =
      last.memoryBytes > config.memoryLimitBytes ? config.shrinkFactor ** 2 : config.shrinkFactor;
    return { size: clamp(current * factor, config), reason: 'memory' };
  }

  const recent = samples.slice(-RECENT_ERROR_SAMPLES);
  const older = samples.slice(-config.window, -RECENT_ERROR_SAMPLES);
  const recentErrors = errorRate(recent);
  const errorsHigh = recentErrors > config.errorRateThreshold;
  // "Rising": a steady rate of bad records is data, not a reason to keep shrinking forever.
  if (errorsHigh && (older.length === 0 || recentErrors > 1.5 * errorRate(older))) {
    return { size: clamp(current * config.shrinkFactor, config), reason: 'errors' };
  }

  const windowed = samples.slice(-config.window);
  const points: CostPoint[] = windowed.map((s, i) => ({
    size: loadOf(s),
    durationMs: s.durationMs,
    weight: config.recencyDecay ** (windowed.length - 1 - i),
  }));
  const model = fitCostModel(points);
  if (model === undefined) {
    return { size: clamp(current * config.maxGrowthFactor, config), reason: 'model' };
  }
  let target = sizeForDuration(model, config.targetDurationMs);
  let reason: DecisionReason = 'model';
  if (last.durationMs > SLOWDOWN_RATIO * predictDurationMs(model, current)) {
    // Proportional scaling from the latest batch alone: conservative, since it charges the fixed cost per item.
    const fromLatest = (current * config.targetDurationMs) / last.durationMs;
    if (fromLatest < target) {
      target = fromLatest;
      reason = 'slowdown';
    }
  }
  const cap = errorsHigh ? current : current * config.maxGrowthFactor;
  return { size: clamp(Math.min(target, cap), config), reason };
}

/** {@link decideNextBatch}, size only. */
export function decideNextBatchSize(samples: readonly BatchSample[], config: StrategyConfig): number {
  return decideNextBatch(samples, config).size;
}

/**
 * The adaptive sizing strategy: keeps the recent samples (a bounded window) and asks the pure
 * decision function ({@link decideNextBatch}) for the next size.
 *
 * Options ({@link StrategyOptions}, defaults in `STRATEGY_DEFAULTS`): `initialBatchSize` 100,
 * `minBatchSize` 10, `maxBatchSize` 1,000 (at most `MAX_BATCH_SIZE_LIMIT`), `targetDurationMs`
 * 5,000, `memoryLimitBytes` 1 GiB, `logger` silent.
 *
 * @throws {ConfigurationError} from the constructor for an invalid option (code `MOLIMPORT_CONFIG`),
 *   e.g. `minBatchSize` above `maxBatchSize` or an `initialBatchSize` outside them.
 */
export class BatchProcessingStrategy<T = unknown> implements BatchSizingStrategy<T> {
  readonly config: Readonly<StrategyConfig>;
  protected readonly logger: Logger;
  private readonly samples: BatchSample[] = [];
  private current: number;

  constructor(options: StrategyOptions = {}, owner = 'BatchProcessingStrategy') {
    this.config = Object.freeze(fillStrategyOptions(owner, options));
    this.logger = checkLogger(owner, options.logger);
    this.current = this.config.initialBatchSize;
  }

  recordSample(sample: BatchSample): void {
    this.samples.push({ ...sample });
    // The decision only looks at the window, so that is all we keep: memory stays flat.
    if (this.samples.length > this.config.window)
      this.samples.splice(0, this.samples.length - this.config.window);
    const decision = decideNextBatch(this.samples, this.config);
    if (decision.size !== this.current) {
      this.logger.debug(
        { from: this.current, to: decision.size, reason: decision.reason, durationMs: sample.durationMs },
        'batch size changed',
      );
    }
    this.current = decision.size;
  }

  nextBatchSize(): number {
    return this.current;
  }

  /** The samples the next decision will use (oldest first), for inspection. */
  recentSamples(): readonly BatchSample[] {
    return this.samples;
  }
}
