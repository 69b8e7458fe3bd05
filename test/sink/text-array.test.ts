/** textArrayLiteral read back by PostgreSQL: every element as given, whatever it holds. */
import { describe, expect, it } from 'vitest';
import { textArrayLiteral } from '../../src/sink/text-array.js';
import { testBackends, useTestOperations } from '../helpers/db.js';

const backends = await testBackends('the text[] literal tests');

const KEYS = [
  'CHEMBL25',
  '2244',
  'NULL',
  'null',
  'Null',
  'NULLS',
  '',
  ' ',
  ' lead',
  'trail ',
  'a,b',
  '{x}',
  '}',
  'q"q',
  '"',
  'back\\slash',
  '\\',
  'tab\there',
  'line\nbreak',
  'ünïcødé ☃ 𝔘',
  '1/2+3:4.5_6-7',
];

describe('textArrayLiteral', () => {
  it('leaves IDs bare and quotes anything else', () => {
    expect(textArrayLiteral(['CHEMBL25', '2244', 'a-b'])).toBe('{CHEMBL25,2244,a-b}');
    expect(textArrayLiteral(['NULL', 'a b', 'q"\\'])).toBe('{"NULL","a b","q\\"\\\\"}');
    expect(textArrayLiteral([])).toBe('{}');
  });
});

describe.each(backends)('textArrayLiteral read by %s', (kind) => {
  const ctx = useTestOperations(kind);
  it('gives back every element as given', async () => {
    const [row] = await ctx.db.query<{ a: string[]; n: number }>(
      'SELECT $1::text[] AS a, cardinality($1::text[]) AS n',
      [textArrayLiteral(KEYS)],
    );
    expect(row?.n).toBe(KEYS.length);
    expect(row?.a).toEqual(KEYS);
    for (const key of KEYS) {
      const [one] = await ctx.db.query<{ a: string[] }>('SELECT $1::text[] AS a', [textArrayLiteral([key])]);
      expect(one?.a, JSON.stringify(key)).toEqual([key]);
    }
  });
});
