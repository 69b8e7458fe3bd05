/**
 * Gzip, member by member: the header is parsed here, the deflate data inflated raw, the trailer
 * (CRC-32 and length) checked. Node's own gunzip treats bytes after the last member as a failed
 * next member and drops the output it still held, so the last complete records were lost; here
 * everything inflated is handed out first, and then the trailing bytes are reported (`gzip -d`
 * behaves the same: all data, then "trailing garbage ignored"). Concatenated members work as before.
 */
import * as zlib from 'node:zlib';

/** What went wrong, where (compressed byte offset); the caller turns it into an `InputError`. */
export class GzipFault extends Error {
  constructor(
    message: string,
    readonly byteOffset: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GzipFault';
  }
}

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
/** zlib.crc32 is Node ≥ 20.15; without it the trailer's length is still checked. */
const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export async function* gunzipMembers(
  input: AsyncIterable<Buffer>,
  chunkSize = 262_144,
): AsyncGenerator<Buffer> {
  const source = input[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  /** Compressed bytes before `pending`. */
  let offset = 0;
  let ended = false;
  /** An error of the input itself (e.g. a download that gave up): it, not "truncated gzip", is the cause. */
  let inputError: { error: unknown } | undefined;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    let r: IteratorResult<Buffer>;
    try {
      r = await source.next();
    } catch (err) {
      inputError = { error: err };
      throw err;
    }
    if (r.done === true) {
      ended = true;
      return false;
    }
    pending = pending.length === 0 ? r.value : Buffer.concat([pending, r.value]);
    return true;
  };
  const need = async (n: number): Promise<boolean> => {
    while (pending.length < n) if (!(await more())) return false;
    return true;
  };
  const take = (n: number): Buffer => {
    const out = pending.subarray(0, n);
    pending = pending.subarray(n);
    offset += n;
    return out;
  };

  try {
    for (let member = 0; ; member++) {
      if (!(await need(1))) return;
      await need(3);
      if (pending[0] !== 0x1f || pending[1] !== 0x8b || pending[2] !== 8) {
        if (member === 0) throw new GzipFault('not gzip data (bad header)', offset);
        let trailing = pending.length;
        while (await more()) trailing = pending.length;
        throw new GzipFault(
          `${trailing} bytes of trailing data after the last gzip member (every record before them was read)`,
          offset,
        );
      }
      const headerStart = offset;
      await readHeader(need, take, headerStart);

      // The deflate data, fed one chunk at a time: an inflater that has reached the end of the
      // deflate stream stops consuming, so the bytes it left of what it was fed follow the data.
      const inflater = zlib.createInflateRaw({ chunkSize });
      let size = 0;
      let crc = 0;
      let leftover: Buffer | undefined;
      const feeding = (async () => {
        let fed = 0;
        try {
          for (;;) {
            if (pending.length === 0 && !(await more())) break;
            const chunk = take(pending.length);
            fed += chunk.length;
            await new Promise<void>((resolve, reject) => {
              // The reader stopped early and destroyed the inflater: a pending write may never call back.
              const onClose = (): void => resolve();
              inflater.once('close', onClose);
              inflater.write(chunk, (err) => {
                inflater.off('close', onClose);
                if (err) reject(err);
                else resolve();
              });
            });
            if (inflater.destroyed) break;
            const unused = fed - inflater.bytesWritten;
            if (unused > 0) {
              leftover = chunk.subarray(chunk.length - unused);
              break;
            }
          }
        } catch {
          // the inflater reports its error to the reader below
        } finally {
          inflater.end();
        }
      })();
      try {
        for await (const out of inflater as AsyncIterable<Buffer>) {
          size += out.length;
          if (crc32) crc = crc32(out, crc);
          yield out;
        }
      } catch (err) {
        if (inputError !== undefined) throw inputError.error;
        const message = (err as Error).message;
        throw /unexpected end of file/i.test(message)
          ? new GzipFault('truncated gzip: the file ends inside a gzip member', offset, { cause: err })
          : new GzipFault(`corrupt gzip data (${message})`, offset, { cause: err });
      } finally {
        // Returning early (the consumer stopped): nothing will read the inflater any more.
        inflater.destroy();
        await feeding;
      }
      // Put back what followed the deflate data.
      if (leftover !== undefined) {
        offset -= leftover.length;
        pending = pending.length === 0 ? leftover : Buffer.concat([leftover, pending]);
      }
      if (!(await need(8))) throw new GzipFault('truncated gzip: the file ends inside a gzip member', offset);
      const trailer = take(8);
      if (crc32 && trailer.readUInt32LE(0) !== crc >>> 0)
        throw new GzipFault('corrupt gzip data (CRC-32 mismatch)', offset - 8);
      if (trailer.readUInt32LE(4) !== size % 2 ** 32)
        throw new GzipFault('corrupt gzip data (length mismatch)', offset - 4);
    }
  } finally {
    await source.return?.(undefined);
  }
}

async function readHeader(
  need: (n: number) => Promise<boolean>,
  take: (n: number) => Buffer,
  at: number,
): Promise<void> {
  const truncated = (): GzipFault => new GzipFault('truncated gzip: the file ends inside a gzip header', at);
  if (!(await need(10))) throw truncated();
  const fixed = take(10);
  const flags = fixed[3] as number;
  if (flags & FEXTRA) {
    if (!(await need(2))) throw truncated();
    const xlen = take(2).readUInt16LE(0);
    if (!(await need(xlen))) throw truncated();
    take(xlen);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    // A zero-terminated string.
    for (;;) {
      if (!(await need(1))) throw truncated();
      if (take(1)[0] === 0) break;
    }
  }
  if (flags & FHCRC) {
    if (!(await need(2))) throw truncated();
    take(2);
  }
}
