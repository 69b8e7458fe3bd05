import { describe, expect, it } from 'vitest';
import { extractProperties } from '../../src/transform/index.js';

describe('extractProperties', () => {
  it('keeps every unmapped field verbatim, in file order', () => {
    const fields = new Map([
      ['ID', 'CHEMBL1'],
      ['ZIP', '00123'],
      ['EXP', '2.700000000000000e+000'],
      ['EMPTY', ''],
      ['SPACES', '  a b  '],
    ]);
    const out = extractProperties(fields, new Set(['ID']));
    expect(Object.keys(out)).toEqual(['ZIP', 'EXP', 'EMPTY', 'SPACES']);
    expect(out).toEqual({ ZIP: '00123', EXP: '2.700000000000000e+000', EMPTY: '', SPACES: '  a b  ' });
  });

  it('a field named __proto__ stays data and does not change the prototype', () => {
    const out = extractProperties(
      new Map([
        ['__proto__', 'x'],
        ['a', '1'],
      ]),
      new Set(),
    );
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse('{"__proto__":"x","a":"1"}'));
  });
});
