import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { byteSize, integerIn, ratio } from '../../src/cli/parse-values.js';

describe('option value parsers', () => {
  it('accepts integers in range and names what it expected otherwise', () => {
    const workers = integerIn(1, 64);
    expect(workers('4')).toBe(4);
    for (const bad of ['0', '65', '1.5', 'abc', '', '-3']) {
      expect(() => workers(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => workers('abc')).toThrow(/expected an integer from 1 to 64, got 'abc'/);
  });

  it('parses ratios from 0 to 1', () => {
    expect(ratio('0.05')).toBe(0.05);
    expect(ratio('1')).toBe(1);
    expect(() => ratio('1.5')).toThrow(/expected a ratio from 0 to 1/);
    expect(() => ratio('x')).toThrow(InvalidArgumentError);
  });

  it('parses sizes with binary and decimal units', () => {
    expect(byteSize('1GiB')).toBe(1024 ** 3);
    expect(byteSize('512MiB')).toBe(512 * 1024 ** 2);
    expect(byteSize('800MB')).toBe(800_000_000);
    expect(byteSize('2g')).toBe(2 * 1024 ** 3);
    expect(byteSize(String(128 * 1024 ** 2))).toBe(128 * 1024 ** 2);
    expect(() => byteSize('lots')).toThrow(/expected a size such as 512MiB/);
    expect(() => byteSize('1MiB')).toThrow(/at least 64MiB/);
  });
});
