import type { BatchLimits } from './batch-types.js';

/**
 * Cuts batches off an item iterator by count and by weight. An item that would push a non-empty
 * batch past its weight budget is held back for the next batch. Items can also be read ahead
 * (`readAhead`) while every batch slot is busy: they wait in a queue and the next cut takes them
 * first, so batches are still cut with the limits decided at the moment they start. Sync iterables
 * are read without an `await` per item.
 */

export interface CutBatch<T> {
  items: T[];
  /** Total weight (equals the item count when items are not weighed). */
  weight: number;
}

interface Entry<T> {
  item: T;
  weight: number;
}

export class BatchCutter<T> {
  private readonly syncIterator: Iterator<T> | undefined;
  private readonly asyncIterator: AsyncIterator<T> | undefined;
  /** Pulled but not yet in a batch (the held-back item and the read-ahead), in input order. */
  private ahead: Entry<T>[] = [];
  private aheadHead = 0;
  private aheadWeight = 0;
  private exhausted = false;
  /** Items taken from the source so far (held-back and read-ahead items included). */
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
    return this.exhausted && this.buffered === 0;
  }

  /** Items pulled from the source and not yet cut into a batch. */
  get buffered(): number {
    return this.ahead.length - this.aheadHead;
  }

  /** Whether the source may still yield items. */
  get sourceOpen(): boolean {
    return !this.exhausted;
  }

  private weigh(item: T): number {
    if (this.weightOf === undefined) return 1;
    const w = this.weightOf(item);
    // A nonsensical weight must not stall the cut (NaN) or empty the budget (negative).
    return Number.isFinite(w) && w >= 0 ? w : 1;
  }

  private async pull(): Promise<Entry<T> | undefined> {
    const result = this.syncIterator
      ? this.syncIterator.next()
      : await (this.asyncIterator as AsyncIterator<T>).next();
    if (result.done) {
      this.exhausted = true;
      return undefined;
    }
    this.pulled++;
    return { item: result.value, weight: this.weigh(result.value) };
  }

  private shift(): Entry<T> | undefined {
    if (this.aheadHead >= this.ahead.length) return undefined;
    const entry = this.ahead[this.aheadHead] as Entry<T>;
    this.ahead[this.aheadHead++] = undefined as unknown as Entry<T>;
    this.aheadWeight -= entry.weight;
    if (this.aheadHead === this.ahead.length) {
      this.ahead = [];
      this.aheadHead = 0;
      this.aheadWeight = 0;
    }
    return entry;
  }

  private unshift(entry: Entry<T>): void {
    if (this.aheadHead > 0) this.ahead[--this.aheadHead] = entry;
    else this.ahead.unshift(entry);
    this.aheadWeight += entry.weight;
  }

  /**
   * Cut the next batch; empty only when nothing is buffered and the source is exhausted. Buffered
   * items are always taken; `stop()` is checked before each pull from the source (an abort ends the
   * batch early with what was already pulled, so nothing pulled is lost).
   */
  async next(limits: BatchLimits, stop: () => boolean): Promise<CutBatch<T>> {
    const items: T[] = [];
    let weight = 0;
    const maxItems = Math.max(1, Math.floor(limits.maxItems));
    while (items.length < maxItems) {
      let entry = this.shift();
      if (entry === undefined) {
        if (this.exhausted || (items.length > 0 && stop())) break;
        entry = await this.pull();
        if (entry === undefined) break;
      }
      if (items.length > 0 && weight + entry.weight > limits.maxWeight) {
        this.unshift(entry);
        break;
      }
      items.push(entry.item);
      weight += entry.weight;
    }
    return { items, weight };
  }

  /**
   * Pull items into the read-ahead queue until it holds `limits` worth (items or weight), the
   * source ends, or `pause()` says to stop (a batch slot freed, an abort).
   */
  async readAhead(limits: BatchLimits, pause: () => boolean): Promise<void> {
    const maxItems = Math.max(1, Math.floor(limits.maxItems));
    while (!this.exhausted && this.buffered < maxItems && this.aheadWeight < limits.maxWeight) {
      if (pause()) return;
      const entry = await this.pull();
      if (entry === undefined) return;
      this.ahead.push(entry);
      this.aheadWeight += entry.weight;
    }
  }

  /** Whether the read-ahead queue already holds `limits` worth. */
  aheadFull(limits: BatchLimits): boolean {
    return this.buffered >= Math.max(1, Math.floor(limits.maxItems)) || this.aheadWeight >= limits.maxWeight;
  }

  /** Release the source early (consumer stopped, abort, error). */
  async close(): Promise<void> {
    this.exhausted = true;
    this.ahead = [];
    this.aheadHead = 0;
    this.aheadWeight = 0;
    const it = this.syncIterator ?? this.asyncIterator;
    await it?.return?.();
  }
}
