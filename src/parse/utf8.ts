import { StringDecoder } from 'node:string_decoder';

/**
 * Streaming UTF-8 decoding that never throws: invalid sequences become U+FFFD, and the decoder
 * remembers that it produced them (as opposed to a literal U+FFFD written in the file, EF BF BD), so
 * a record holding U+FFFD can be flagged only when the input really had invalid bytes. A leading BOM is
 * dropped. Node's StringDecoder is used rather than `TextDecoder` with `stream: true`, which measured
 * 3× slower here (≈450 vs ≈1,400 MB/s) and was the largest single cost of reading SDF.
 */
const REPLACEMENT = '\uFFFD';
const LITERAL_FFFD = Buffer.from([0xef, 0xbf, 0xbd]);

/**
 * Input is decoded at most this many bytes at a time. V8 allocates a string of 128 KiB or more in
 * its large-object space, where decoding a 256 KiB chunk (the size gunzip and file reads deliver)
 * measured ~6× slower than four 64 KiB pieces (85–120 ms against 15 ms for 121 MB of PubChem SDF).
 */
export const DECODE_PIECE_BYTES = 65_536;

export class Utf8Decoder {
  private readonly decoder = new StringDecoder('utf8');
  private first = true;
  /** The previous chunk's last two bytes: a literal U+FFFD (3 bytes) may start in them. */
  private tail: Buffer = Buffer.alloc(0);
  /** True once any chunk decoded to more U+FFFD than it literally contained. */
  sawInvalid = false;

  decode(chunk: Uint8Array | string): string {
    if (typeof chunk === 'string') return chunk;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let text = this.decoder.write(buf);
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (!this.sawInvalid && text.includes(REPLACEMENT)) {
      // The decoder holds back a sequence cut by the chunk's end and decodes it with the next
      // chunk, so a literal U+FFFD split between two chunks is counted where it is decoded.
      const bytes = this.tail.length > 0 ? Buffer.concat([this.tail, buf]) : buf;
      if (countOf(text, REPLACEMENT) > countBytes(bytes, LITERAL_FFFD)) this.sawInvalid = true;
    }
    if (!this.sawInvalid) {
      const last = buf.length >= 2 ? buf : Buffer.concat([this.tail, buf]);
      this.tail = Buffer.from(last.subarray(Math.max(0, last.length - 2)));
    }
    return text;
  }

  /** {@link decode} a chunk {@link DECODE_PIECE_BYTES} at a time: its text in pieces, in order. */
  *pieces(chunk: Uint8Array | string): Generator<string> {
    if (typeof chunk === 'string' || chunk.byteLength <= DECODE_PIECE_BYTES) {
      yield this.decode(chunk);
      return;
    }
    for (let at = 0; at < chunk.byteLength; at += DECODE_PIECE_BYTES)
      yield this.decode(chunk.subarray(at, at + DECODE_PIECE_BYTES));
  }

  end(): string {
    const text = this.decoder.end();
    if (text.includes(REPLACEMENT)) this.sawInvalid = true;
    return text;
  }
}

function countOf(text: string, s: string): number {
  let n = 0;
  for (let i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + 1)) n++;
  return n;
}

function countBytes(buf: Uint8Array, needle: Buffer): number {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let n = 0;
  for (let i = b.indexOf(needle); i >= 0; i = b.indexOf(needle, i + 1)) n++;
  return n;
}

/**
 * `invalid UTF-8 at byte N (line L)` for text containing a decoder-produced U+FFFD, else undefined.
 * N is the byte offset within the record text, L the file line (given the record's first line).
 */
export function invalidUtf8Problem(text: string, firstLine: number): string | undefined {
  const at = text.indexOf(REPLACEMENT);
  if (at < 0) return undefined;
  const before = text.slice(0, at);
  let lines = 0;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) lines++;
  return `invalid UTF-8 at byte ${Buffer.byteLength(before, 'utf8')} of the record (line ${firstLine + lines})`;
}
