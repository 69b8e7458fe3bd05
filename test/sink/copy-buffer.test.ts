/** The byte-buffer COPY encoder writes exactly what the string encoder writes, at any chunk size. */
import { describe, expect, it } from 'vitest';
import { copyBufferChunks, copyText, type CopyValue } from '../../src/sink/index.js';

const rows: CopyValue[][] = [
  ['plain', 'tab\there', 'line\nfeed', 'carriage\rreturn', 'back\\slash', null],
  ['ünïcødé ☃ 𝔘', '', 'x'.repeat(3_000), Number.NaN, 42, 1.5],
  [
    12345678901234567890n,
    new Date('2026-11-28T12:00:00Z'),
    { a: 'b', n: 1, nested: ['x\ty'] },
    true,
    false,
    '\\N',
  ],
];

describe('copyBufferChunks', () => {
  for (const chunk of [1, 7, 64, 1 << 20]) {
    it(`equals copyText byte for byte at chunk size ${chunk}`, () => {
      const expected = Buffer.from(
        copyText(rows, (r) => r),
        'utf8',
      );
      const chunks = [...copyBufferChunks(rows, (r) => r, chunk)];
      expect(Buffer.concat(chunks).equals(expected)).toBe(true);
      if (chunk < 64) expect(chunks.length).toBeGreaterThan(1);
    });
  }
});
