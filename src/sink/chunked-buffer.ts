/**
 * The buffer handling both COPY encoders share: bytes are written into buffers of about
 * `chunkBytes`; a full buffer is set aside as a chunk for the consumer to take while encoding goes
 * on. COPY accepts CopyData chunks cut anywhere, so a chunk may end in the middle of a row.
 * Buffers of 1 MiB come from buffer-pool.ts; a caller whose COPY completed may give them back.
 */
import { takeBuffer } from './buffer-pool.js';

export class ChunkedBuffer {
  readonly #chunkBytes: number;
  readonly #full: Buffer[] = [];
  /** The buffer being written and the next free offset in it (subclasses write at `pos`). */
  protected buf: Buffer;
  protected pos = 0;

  constructor(chunkBytes: number) {
    this.#chunkBytes = chunkBytes;
    this.buf = takeBuffer(chunkBytes);
  }

  /** Chunks completed and not yet taken. */
  get fullChunks(): number {
    return this.#full.length;
  }

  /** Chunks completed since the last call (to stream while encoding continues). */
  takeFull(): Buffer[] {
    return this.#full.splice(0, this.#full.length);
  }

  /** Everything still buffered, after `beforeFinish()`'s bytes; the encoder is spent afterwards. */
  finish(): Buffer[] {
    this.beforeFinish();
    const rest = this.takeFull();
    if (this.pos > 0) rest.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(0);
    this.pos = 0;
    return rest;
  }

  /** Bytes that close the stream (a trailer), written by `finish()`. */
  protected beforeFinish(): void {}

  /** Make room for `bytes` more: a full buffer becomes a chunk and a new one (large enough) starts. */
  protected room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    if (this.pos > 0) this.#full.push(this.buf.subarray(0, this.pos));
    this.buf = takeBuffer(Math.max(this.#chunkBytes, bytes));
    this.pos = 0;
  }
}

/**
 * Rows as the encoder's chunks. Lazy: a chunk is encoded when the consumer asks for it, so COPY
 * backpressure bounds the memory.
 */
export function* encodeChunks<T, V extends readonly unknown[]>(
  encoder: ChunkedBuffer & { row(values: V): void },
  items: Iterable<T>,
  toValues: (item: T) => V,
): Generator<Buffer> {
  for (const item of items) {
    encoder.row(toValues(item));
    if (encoder.fullChunks > 0) yield* encoder.takeFull();
  }
  yield* encoder.finish();
}
