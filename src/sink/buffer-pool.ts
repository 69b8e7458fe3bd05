/**
 * A few 1 MiB buffers kept for reuse: the COPY encoder's chunks, given back once their COPY has
 * completed. Fresh off-heap memory at this rate (~10 KB per row) makes V8 run full collections
 * several times as often, and the pages are faulted in again each time (docs/performance.md,
 * "What holding a row costs"; packed-rows.ts reuses its arenas the same way).
 *
 * A buffer may only be given back when nothing will read or write it again: a reused buffer is
 * overwritten by the next taker, and whatever still pointed into it would see other rows' bytes.
 */

/** The size of every pooled buffer (also the packed rows' arenas). */
export const POOLED_BYTES = 1 << 20;
/** At most this many kept (8 MiB): a batch of PubChem rows is ~6 chunks. */
const KEPT = 8;

const kept: ArrayBuffer[] = [];

/** A buffer of `bytes`: a kept one when `bytes` is {@link POOLED_BYTES} and one is free. */
export function takeBuffer(bytes: number): Buffer {
  if (bytes === POOLED_BYTES) {
    const free = kept.pop();
    if (free !== undefined) return Buffer.from(free, 0, POOLED_BYTES);
  }
  return Buffer.allocUnsafe(bytes);
}

/**
 * Keeps the buffers `views` were cut from, for {@link takeBuffer}: only whole {@link POOLED_BYTES}
 * buffers of their own (not slices of Node's shared pool, not buffers moved to another thread).
 */
export function giveBack(views: readonly Uint8Array[]): void {
  for (const view of views) {
    const ab = view.buffer;
    if (kept.length >= KEPT) return;
    if (!(ab instanceof ArrayBuffer) || ab.byteLength !== POOLED_BYTES || view.byteOffset !== 0) continue;
    if (!kept.includes(ab)) kept.push(ab);
  }
}
