import type { BatchLimits } from './batch-types.js';

/**
 * Cuts batches off an item iterator by count and by weight. An item that would push a non-empty
 * batch past its weight budget is held back for the next batch, so at most one item is pulled
 * ahead. Sync iterables are read without an `await` per item.
 */

export interface CutBatch<T> {
  items: T[];
  /** Total weight (equals the item count when items are not weighed). */
  weight: number;
}

export class BatchCutter<T> {
  private readonly syncIterator: Iterator<T> | undefined;
  private readonly asyncIterator: AsyncIterator<T> | undefined;
  private held: { item: T; weight: number } | undefined;
  private exhausted = false;
  /** Items taken from the source so far (held-back item included). */
  pulled = 0;

  constructor(
    source: Iterable<T> | AsyncIterable<T>,
    private readonly weightOf: ((item: T) => number) | undefined,
  ) {
    if (typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
      this.asyncIterator = (source as AsyncIterable<T>)[Symbol.asyncIterator]();
    } else if (typeof (source as Iterable<T>)[Symbol.iterator] === 'function') {
      this.syncIterator = (source as Iterable<T>)[Symbol.iterator]();
    } else {
      throw new TypeError('items: expected an array, an iterable or an async iterable');
    }
  }

  get done(): boolean {
    return this.exhausted && this.held === undefined;
  }

  private weigh(item: T): number {
    if (this.weightOf === undefined) return 1;
    const w = this.weightOf(item);
    // A nonsensical weight must not stall the cut (NaN) or empty the budget (negative).
    return Number.isFinite(w) && w >= 0 ? w : 1;
  }

  /**
   * Cut the next batch; empty only when the source is exhausted. `stop()` is checked between items
   * (an abort ends the batch early with what was already pulled, so nothing pulled is lost).
   */
  async next(limits: BatchLimits, stop: () => boolean): Promise<CutBatch<T>> {
    const items: T[] = [];
    let weight = 0;
    const maxItems = Math.max(1, Math.floor(limits.maxItems));
    while (items.length < maxItems) {
      let entry = this.held;
      this.held = undefined;
      if (entry === undefined) {
        if (this.exhausted || (items.length > 0 && stop())) break;
        const result = this.syncIterator
          ? this.syncIterator.next()
          : await (this.asyncIterator as AsyncIterator<T>).next();
        if (result.done) {
          this.exhausted = true;
          break;
        }
        this.pulled++;
        entry = { item: result.value, weight: this.weigh(result.value) };
      }
      if (items.length > 0 && weight + entry.weight > limits.maxWeight) {
        this.held = entry;
        break;
      }
      items.push(entry.item);
      weight += entry.weight;
    }
    return { items, weight };
  }

  /** Release the source early (consumer stopped, abort, error). */
  async close(): Promise<void> {
    this.exhausted = true;
    this.held = undefined;
    const it = this.syncIterator ?? this.asyncIterator;
    await it?.return?.();
  }
}
