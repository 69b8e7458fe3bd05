import { describe, expect, it } from 'vitest';
import { SdfSplitter, splitSdf, type SplitRecord } from '../../src/parse/sdf-splitter.js';

function splitInChunks(text: string, size: number): SplitRecord[] {
  const splitter = new SdfSplitter();
  const out: SplitRecord[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...splitter.push(text.slice(i, i + size)));
  out.push(...splitter.end());
  return out;
}

const CHUNK_SIZES = [1, 2, 3, 5, 7, 64, Number.MAX_SAFE_INTEGER];

function expectSameAtEveryChunkSize(text: string): SplitRecord[] {
  const whole = splitSdf(text);
  for (const size of CHUNK_SIZES) expect(splitInChunks(text, size), `chunk size ${size}`).toEqual(whole);
  return whole;
}

/**
 * Run `fn`, counting the characters that `indexOf` / `lastIndexOf` calls on strings walk over: a
 * work measure independent of the machine's speed and load.
 */
function countSearchedChars<T>(fn: () => T): { result: T; searched: number } {
  // The originals, called below with `.call(this, ...)`: unbound on purpose.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { indexOf, lastIndexOf } = String.prototype;
  let searched = 0;
  String.prototype.indexOf = function (this: string, search: string, from = 0): number {
    const at = indexOf.call(this, search, from);
    searched += (at >= 0 ? at + search.length : this.length) - Math.max(0, from);
    return at;
  };
  String.prototype.lastIndexOf = function (this: string, search: string, from = Infinity): number {
    const at = lastIndexOf.call(this, search, from);
    searched += Math.min(from, this.length) - Math.max(0, at);
    return at;
  };
  try {
    return { result: fn(), searched };
  } finally {
    String.prototype.indexOf = indexOf;
    String.prototype.lastIndexOf = lastIndexOf;
  }
}

const MOL_A = 'A\n  prog\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n> <id>\n1\n\n';
const MOL_B = 'B\n  prog\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n';

describe('SdfSplitter', () => {
  it('splits LF records and numbers their first lines', () => {
    const records = expectSameAtEveryChunkSize(`${MOL_A}$$$$\n${MOL_B}$$$$\n`);
    expect(records.map((r) => [r.ordinal, r.line, r.terminated])).toEqual([
      [1, 1, true],
      [2, 10, true],
    ]);
    expect(records[0]?.text).toBe(MOL_A);
    expect(records[1]?.text).toBe(MOL_B);
  });

  it('handles CRLF (split across chunks) and returns LF text', () => {
    const crlf = `${MOL_A}$$$$\n${MOL_B}$$$$\n`.replace(/\n/g, '\r\n');
    const records = expectSameAtEveryChunkSize(crlf);
    expect(records.map((r) => r.text)).toEqual([MOL_A, MOL_B]);
    expect(records[1]?.line).toBe(10);
  });

  it('handles mixed LF / CRLF and lone CR line endings', () => {
    const mixed = `${MOL_A.replace(/\n/g, '\r\n')}$$$$\n${MOL_B.replace(/\n/g, '\r')}$$$$\r\n`;
    expect(expectSameAtEveryChunkSize(mixed).map((r) => r.text)).toEqual([MOL_A, MOL_B]);
  });

  it('accepts `$$$$` with trailing spaces and no final newline', () => {
    const records = expectSameAtEveryChunkSize(`${MOL_A}$$$$   \n${MOL_B}$$$$ `);
    expect(records.map((r) => [r.text, r.terminated])).toEqual([
      [MOL_A, true],
      [MOL_B, true],
    ]);
  });

  it('yields a last record without `$$$$`', () => {
    const records = expectSameAtEveryChunkSize(`${MOL_A}$$$$\n${MOL_B}`);
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ text: MOL_B, terminated: false, line: 10 });
  });

  it('never drops a short record (sdf-parser drops < 40 chars)', () => {
    const records = expectSameAtEveryChunkSize('x\n$$$$\n\n$$$$\ny');
    expect(records.map((r) => r.text)).toEqual(['x\n', '\n', 'y']);
    expect(records.map((r) => r.line)).toEqual([1, 3, 5]);
  });

  it('does not treat `$$$$` inside a line as a delimiter, and holds `$`-prefixed partial lines', () => {
    const text = 'a $$$$ b\n$$ not\n$$$\n$$$$\n';
    const records = expectSameAtEveryChunkSize(text);
    expect(records.map((r) => r.text)).toEqual(['a $$$$ b\n$$ not\n$$$\n']);
  });

  it('yields nothing for empty or whitespace-only input, and ignores blank lines after the last `$$$$`', () => {
    expect(expectSameAtEveryChunkSize('')).toEqual([]);
    expect(expectSameAtEveryChunkSize('\n\n  \n')).toEqual([]);
    expect(expectSameAtEveryChunkSize(`${MOL_B}$$$$\n\n\n`)).toHaveLength(1);
  });

  it('streams a 10 MB data field in 64 KB chunks searching each character a bounded number of times', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const text = `${MOL_B}> <big>\n${big}\n\n$$$$\n${MOL_B}$$$$\n`;
    const { result: records, searched } = countSearchedChars(() => splitInChunks(text, 65_536));
    // A splitter that carries the record and searches it again on every chunk (sdf-parser's
    // MolfileStream) searches ~80 × 10 MB here; this one makes four passes over each character
    // (CR check, delimiter, last line end, and line numbers once the record is complete).
    expect(searched).toBeLessThanOrEqual(4 * text.length);
    expect(records).toHaveLength(2);
    expect(records[0]?.text.length).toBe(MOL_B.length + 8 + big.length + 2);
    expect(records[1]?.line).toBe(10);
  });
});
