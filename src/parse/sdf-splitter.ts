/**
 * A pure, incremental SDF record splitter: strings in, complete record texts out. No I/O.
 *
 * Why not sdf-parser's `MolfileStream` here: it silently drops records shorter than 40 characters,
 * re-concatenates its whole carry buffer on every chunk (quadratic on a 10 MB data field), matches
 * `$$$$` anywhere rather than at a line start, and does not report line numbers. sdf-parser is still
 * used in the tests as an independent cross-check of record counts and field values, and in
 * `bench/parse-speed.mjs` as the baseline to beat.
 *
 * Rules:
 * - A record ends at a line that starts with `$$$$` (trailing spaces or junk on that line ignored).
 * - CRLF, lone CR and LF are all line endings; record text is returned with LF only.
 * - A record is never dropped for being short; an empty record between two `$$$$` lines is emitted
 *   too (the transform rejects it). Only whitespace after the last `$$$$` is not a record.
 * - Each record carries the 1-based line number of its first line.
 *
 * Memory: the splitter holds only the current record (as a list of slices, joined once when the
 * record is complete), so a huge data field costs O(size), not O(size²).
 */

export interface SplitRecord {
  /** The record's text, LF line endings, without the `$$$$` line (ends with `\n` when terminated). */
  text: string;
  /** 1-based line number of the record's first line. */
  line: number;
  /** 1-based ordinal of the record. */
  ordinal: number;
  /** False for a last record that had no `$$$$` line. */
  terminated: boolean;
  /** The input had CR line endings by this record (so its original text had them too). */
  crlf: boolean;
}

const DELIMITER = '$$$$';

/**
 * Incremental SDF splitter: `push` a text chunk and get the records it completed; `end` gives the
 * last one (with or without `$$$$`). Keeps line numbers across chunks.
 */
export class SdfSplitter {
  /** Committed slices of the current record. */
  private parts: string[] = [];
  /** Text held back because it might be (the start of) a `$$$$` line. Always starts at a line start. */
  private held = '';
  /** Whether the next text starts at a line start. */
  private atLineStart = true;
  /** A CR ended the previous chunk: it is a line ending, and a LF opening the next chunk belongs to it. */
  private pendingCR = false;
  /** A CR was seen: the file's lines end in CRLF (told per file, not per line: mixed files are rare). */
  private sawCR = false;
  /** Line number of the first line of the current record. */
  private recordLine = 1;
  private ordinal = 0;

  /** Feed the next chunk of decoded text; returns the records it completed (possibly none). */
  push(chunk: string): SplitRecord[] {
    const out: SplitRecord[] = [];
    let text = this.normalise(chunk);
    if (this.held.length > 0) {
      text = this.held + text;
      this.held = '';
    }
    if (text.length === 0) return out;

    let recStart = 0;
    let pos = 0;
    for (;;) {
      let d: number;
      if (pos === 0 && this.atLineStart && text.startsWith(DELIMITER)) {
        d = 0;
      } else {
        const i = text.indexOf('\n' + DELIMITER, pos === 0 ? 0 : pos - 1);
        d = i < 0 ? -1 : i + 1;
      }
      if (d < 0) break;
      const eol = text.indexOf('\n', d);
      if (eol < 0) {
        // The `$$$$` line is not complete yet: hold it back until its end is seen.
        if (d > recStart) this.parts.push(text.slice(recStart, d));
        this.held = text.slice(d);
        this.atLineStart = true;
        return out;
      }
      out.push(this.finish(text.slice(recStart, d), true));
      recStart = pos = eol + 1;
    }

    // No complete delimiter left. Hold back a trailing partial line that may still become `$$$$`.
    const lastNl = text.lastIndexOf('\n');
    const tailStart = lastNl + 1;
    const tailAtLineStart = lastNl >= 0 || this.atLineStart;
    if (
      tailStart >= recStart &&
      tailAtLineStart &&
      tailStart < text.length &&
      isDelimiterPrefix(text, tailStart)
    ) {
      if (tailStart > recStart) this.parts.push(text.slice(recStart, tailStart));
      this.held = text.slice(tailStart);
      this.atLineStart = true;
    } else {
      if (text.length > recStart) this.parts.push(text.slice(recStart));
      this.atLineStart = text.charCodeAt(text.length - 1) === 10;
    }
    return out;
  }

  /** Signal end of input; returns the last record if it had no `$$$$` line (never drops it). */
  end(): SplitRecord[] {
    const out: SplitRecord[] = [];
    let rest = this.held;
    this.held = '';
    if (this.pendingCR) {
      this.pendingCR = false;
      rest += '\n';
    }
    if (rest.startsWith(DELIMITER)) {
      // A final `$$$$` line without a line ending.
      out.push(this.finish('', true));
      return out;
    }
    if (rest.length > 0) this.parts.push(rest);
    if (this.parts.length > 0) {
      const text = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
      this.parts = [];
      if (/\S/.test(text)) out.push(this.finish(text, false, true));
    }
    return out;
  }

  private finish(lastPart: string, terminated: boolean, alreadyJoined = false): SplitRecord {
    let text: string;
    if (alreadyJoined) {
      text = lastPart;
    } else if (this.parts.length === 0) {
      text = lastPart;
    } else {
      if (lastPart.length > 0) this.parts.push(lastPart);
      text = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
      this.parts = [];
    }
    const record: SplitRecord = {
      text,
      line: this.recordLine,
      ordinal: ++this.ordinal,
      terminated,
      crlf: this.sawCR,
    };
    // Lines in the record, plus the `$$$$` line.
    this.recordLine += countNewlines(text) + (terminated ? 1 : 0);
    return record;
  }

  /** CRLF and lone CR → LF, with a CR at a chunk end resolved by the next chunk. */
  private normalise(chunk: string): string {
    if (chunk.length === 0) return chunk;
    if (this.pendingCR) {
      this.pendingCR = false;
      // A CR followed by LF in the next chunk: the LF stands for the pair.
      if (chunk.charCodeAt(0) !== 10) chunk = '\n' + chunk;
    }
    if (chunk.indexOf('\r') < 0) return chunk;
    this.sawCR = true;
    if (chunk.charCodeAt(chunk.length - 1) === 13) {
      this.pendingCR = true;
      chunk = chunk.slice(0, -1);
    }
    return chunk.replace(/\r\n?/g, '\n');
  }
}

/** Whether text[from..] (a partial last line) could still turn into a `$$$$` line. */
function isDelimiterPrefix(text: string, from: number): boolean {
  const n = Math.min(text.length - from, DELIMITER.length);
  for (let i = 0; i < n; i++) if (text.charCodeAt(from + i) !== 36) return false;
  return true;
}

export function countNewlines(text: string): number {
  let n = 0;
  let i = text.indexOf('\n');
  while (i >= 0) {
    n++;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}

/** Split a whole SDF text at once (convenience for tests and small inputs). */
export function splitSdf(text: string): SplitRecord[] {
  const splitter = new SdfSplitter();
  return [...splitter.push(text), ...splitter.end()];
}
