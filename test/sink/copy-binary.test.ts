/** COPY binary encoding: the exact wire format, chunk independence, refused values, and the molecule writer's rows. */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import {
  CopyBinaryEncoder,
  copyBinaryChunks,
  type BinaryColumnType,
  type CopyValue,
} from '../../src/sink/copy-binary.js';
import { directCopyChunks } from '../../src/sink/molecule-writer.js';
import { MOLECULE_DATA_BINARY_TYPES, MOLECULE_DATA_COLUMNS } from '../../src/sink/schema.js';
import type { MoleculeRow } from '../../src/types.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

describe('CopyBinaryEncoder', () => {
  it('writes the header, one tuple per row, NULL as length -1, and the trailer', () => {
    const enc = new CopyBinaryEncoder(['int4', 'int8', 'float8', 'text', 'jsonb', 'text']);
    enc.row([7, -2, 1.5, 'é', { a: 1 }, null]);
    const out = Buffer.concat(enc.finish());
    let p = 0;
    expect(out.subarray(0, 11).equals(SIGNATURE)).toBe(true);
    p = 11;
    expect(out.readInt32BE(p)).toBe(0); // flags
    expect(out.readInt32BE(p + 4)).toBe(0); // header extension
    p += 8;
    expect(out.readInt16BE(p)).toBe(6);
    p += 2;
    expect([out.readInt32BE(p), out.readInt32BE(p + 4)]).toEqual([4, 7]);
    p += 8;
    expect([out.readInt32BE(p), out.readBigInt64BE(p + 4)]).toEqual([8, -2n]);
    p += 12;
    expect([out.readInt32BE(p), out.readDoubleBE(p + 4)]).toEqual([8, 1.5]);
    p += 12;
    // 'é' is two UTF-8 bytes, counted as bytes, not characters.
    expect(out.readInt32BE(p)).toBe(2);
    expect(out.subarray(p + 4, p + 6).toString('utf8')).toBe('é');
    p += 6;
    // jsonb: version byte 1, then the JSON text.
    expect(out.readInt32BE(p)).toBe(8);
    expect(out[p + 4]).toBe(1);
    expect(out.subarray(p + 5, p + 12).toString('utf8')).toBe('{"a":1}');
    p += 12;
    expect(out.readInt32BE(p)).toBe(-1);
    p += 4;
    expect(out.readInt16BE(p)).toBe(-1);
    expect(out.length).toBe(p + 2);
  });

  it('encodes int8 across the whole safe-integer range', () => {
    for (const n of [0, 1, -1, 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      const enc = new CopyBinaryEncoder(['int8']);
      enc.row([n]);
      const out = Buffer.concat(enc.finish());
      expect(out.readBigInt64BE(19 + 2 + 4)).toBe(BigInt(n));
    }
  });

  it('gives the same bytes at any chunk size, streaming full chunks as it goes', () => {
    const types = ['int4', 'text', 'jsonb', 'float8'] as const;
    const rows = Array.from({ length: 50 }, (_, i) => [
      i,
      `line\n${'x'.repeat(i * 37)}\ttab ☃ 𝔘`,
      { i, s: 'q"uote\\' },
      i / 3,
    ]);
    const whole = Buffer.concat([...copyBinaryChunks(rows, types, (r) => r, 1 << 20)]);
    for (const chunk of [1, 7, 64, 1000]) {
      const chunks = [...copyBinaryChunks(rows, types, (r) => r, chunk)];
      expect(chunks.length).toBeGreaterThan(1);
      expect(Buffer.concat(chunks).equals(whole)).toBe(true);
    }
  });

  it('refuses a row of the wrong width and integers out of range, naming them', () => {
    const enc = new CopyBinaryEncoder(['int4', 'text']);
    expect(() => enc.row([1])).toThrow(ConfigurationError);
    expect(() => enc.row([2 ** 31, 'x'])).toThrow(/2147483648 is not a valid int4/);
    expect(() => new CopyBinaryEncoder(['int8']).row([1.5])).toThrow(/1.5 is not a valid int8/);
  });
});

describe('the molecule writer encodes rows field by field', () => {
  it('produces the same bytes as the generic encoder fed the values by column name', () => {
    // The column order comes from the schema's lists; the writer's field-by-field code must follow it.
    const rows: MoleculeRow[] = [0, 1].map((k) => ({
      source: 'pubchem' as const,
      externalId: `${k + 1}`,
      name: k === 0 ? 'aspirin' : null,
      smiles: 'CC(=O)Oc1ccccc1C(=O)O',
      inchi: k === 0 ? 'InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11)12/h2-5H,1H3,(H,11,12)' : null,
      inchikey: 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N',
      formula: 'C9H8O4',
      molWeight: k === 0 ? 180.16 : null,
      molfile: '\n  x\n\n  0  0  0  0  0  0            999 V2000\nM  END\n',
      properties: { PUBCHEM_XLOGP3: '1.2', é: 'ü' },
      stdSmiles: k === 1 ? 'CC' : null,
      stdInchikey: null,
      parentSmiles: null,
      parentInchikey: k === 1 ? 'X' : null,
      origin: { file: 'a.sdf', record: 10 + k, line: 1 },
      weight: 100,
    }));
    const byColumn = (r: MoleculeRow): Record<string, CopyValue> => ({
      name: r.name,
      smiles: r.smiles,
      inchi: r.inchi,
      inchikey: r.inchikey,
      formula: r.formula,
      mol_weight: r.molWeight,
      molfile: r.molfile,
      properties: r.properties,
      std_smiles: r.stdSmiles ?? null,
      std_inchikey: r.stdInchikey ?? null,
      parent_smiles: r.parentSmiles ?? null,
      parent_inchikey: r.parentInchikey ?? null,
    });
    const types: BinaryColumnType[] = [
      'text',
      'text',
      ...MOLECULE_DATA_BINARY_TYPES,
      'int8',
      'text',
      'int8',
      'int8',
    ];
    const expected = Buffer.concat([
      ...copyBinaryChunks([0, 1], types, (i) => {
        const r = rows[i] as MoleculeRow;
        const data = byColumn(r);
        return [
          r.source,
          r.externalId,
          ...MOLECULE_DATA_COLUMNS.map((c) => data[c]),
          7,
          r.origin.file,
          r.origin.record,
          100 + i,
        ];
      }),
    ]);
    const actual = Buffer.concat([...directCopyChunks(rows, [100, 101], [0, 1], 7)]);
    expect(actual.equals(expected)).toBe(true);
  });
});
