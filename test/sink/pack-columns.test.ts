/**
 * RowArena.packColumns: a record's row packed straight from its fields, its properties never built
 * as an object, is the row toMoleculeRow makes, to the COPY byte.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitSdf } from '../../src/parse/sdf-splitter.js';
import { toSdfRecord } from '../../src/parse/sdf-records.js';
import { readRecords } from '../../src/sources/read-records.js';
import { CopyBinaryEncoder, fieldsJsonBound } from '../../src/sink/copy-binary.js';
import {
  encodeDataFields,
  RowArena,
  writeDataFields,
  type FieldEncoding,
  type PackedMoleculeRow,
} from '../../src/sink/packed-rows.js';
import { MOLECULE_DATA_BINARY_TYPES } from '../../src/sink/schema.js';
import {
  isReject,
  toMoleculeColumns,
  toMoleculeRow,
  type TransformOptions,
} from '../../src/transform/to-molecule-row.js';
import type { DataSource, MoleculeRow, SourceRecord } from '../../src/types.js';

const SAMPLES = join(import.meta.dirname, '..', '..', 'fixtures', 'samples');

/** The row's data columns as writeDataFields encodes them (properties as JSON.stringify prints them). */
function encoded(r: MoleculeRow): Buffer {
  const enc = new CopyBinaryEncoder(MOLECULE_DATA_BINARY_TYPES);
  enc.beginRow(MOLECULE_DATA_BINARY_TYPES.length);
  writeDataFields(enc, r);
  return Buffer.concat(enc.finish());
}

async function records(file: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of readRecords(join(SAMPLES, file))) out.push(r);
  return out;
}

/** The packed row of `record` by packColumns, and toMoleculeRow's row of it. */
function both(
  record: SourceRecord,
  source: DataSource,
  options: TransformOptions = {},
): { packed: PackedMoleculeRow; row: MoleculeRow } {
  const row = toMoleculeRow(record, source, options);
  const mapped: string[] = [];
  const columns = toMoleculeColumns(record, source, options, mapped);
  if (isReject(row) || isReject(columns)) throw new Error(`record ${record.record} was rejected`);
  const packed = new RowArena({ printed: false }).packColumns(columns, record.fields, mapped, record.raw);
  return { packed, row };
}

const TRICKY = [
  'tricky',
  '  -OEChem-',
  '',
  '  0  0  0  0  0  0  0  0  0  0999 V2000',
  'M  END',
  '> <PUBCHEM_COMPOUND_CID>',
  '2244',
  '',
  '> <say "hi"\\>',
  'a "quoted" value\\ with\ttab',
  '',
  '> <10>',
  'an integer-like key, after others',
  '',
  '> <2>',
  'another, smaller',
  '',
  '> <__proto__>',
  'data, not a prototype',
  '',
  '> <ünïcödé and a name longer than thirty-two bytes>',
  'α β 💊',
  '',
  '> <control>',
  'bell \u0007 and del \u007f and \u2028',
  '',
  '> <empty>',
  '',
  '> <multi-line>',
  'one',
  '',
  'three',
  '',
].join('\n');

describe('RowArena.packColumns', () => {
  it.each([
    ['PubChem', 'pubchem_compound_head_245.sdf.gz', 'pubchem'],
    ['ChEMBL', 'chembl_dump_head_200.sdf.gz', 'chembl'],
  ] as const)('%s sample: every row is toMoleculeRow’s, to the COPY byte', async (_name, file, source) => {
    const all = await records(file);
    expect(all.length).toBeGreaterThan(150);
    for (const record of all) {
      const { packed, row } = both(record, source);
      expect(encoded(packed).equals(encoded(row)), `record ${record.record}`).toBe(true);
      expect(Object.entries(packed.properties)).toEqual(Object.entries(row.properties));
      expect(packed.recordText()).toBe(record.raw);
      expect([packed.externalId, packed.origin, packed.weight]).toEqual([
        row.externalId,
        row.origin,
        row.weight,
      ]);
    }
  });

  it('prints escapes, an own __proto__, integer-like and long non-ASCII keys as JSON.stringify does', () => {
    const [split] = splitSdf(`${TRICKY}\n$$$$\n`);
    const record = toSdfRecord(split!, 'tricky.sdf');
    const { packed, row } = both(record, 'pubchem');
    // The same properties, in the same order once parsed, own __proto__ included.
    expect(Object.entries(packed.properties)).toEqual(Object.entries(row.properties));
    expect(Object.keys(row.properties)).toContain('__proto__');
    expect(Object.getPrototypeOf(packed.properties)).toBe(Object.prototype);
    // The JSON text lists keys in the record's order; JSON.stringify puts integer-like keys first.
    // jsonb keeps neither order, so only the text differs, by where those two keys stand.
    const text = (r: MoleculeRow): string => {
      const bytes = encoded(r);
      const all = bytes.toString('utf8');
      return all.slice(all.indexOf('{'), all.lastIndexOf('}') + 1);
    };
    const mine = text(packed);
    expect(JSON.parse(mine)).toEqual(JSON.parse(text(row)));
    expect(mine.startsWith('{"say \\"hi\\"\\\\":')).toBe(true);
    expect(mine).toContain('"bell \\u0007 and del \u007f and \u2028"');
  });

  it.each([
    ['PubChem', 'pubchem_compound_head_245.sdf.gz', 'pubchem'],
    ['ChEMBL', 'chembl_dump_head_200.sdf.gz', 'chembl'],
  ] as const)(
    '%s sample, into an arena that prints jsonb: pack’s bytes and digest, to the byte',
    async (_name, file, source) => {
      const all = await records(file);
      const [split] = splitSdf(`${TRICKY}\n$$$$\n`);
      all.push(toSdfRecord(split!, 'tricky.sdf'));
      for (const record of all) {
        // The tricky record carries a PubChem ID.
        const profile: DataSource = record.file === 'tricky.sdf' ? 'pubchem' : source;
        const row = toMoleculeRow(record, profile);
        const mapped: string[] = [];
        const columns = toMoleculeColumns(record, profile, {}, mapped);
        if (isReject(row) || isReject(columns)) throw new Error(`record ${record.record} was rejected`);
        const mine = new RowArena().packColumns(columns, record.fields, mapped, record.raw);
        const theirs = new RowArena().pack(row, record.raw);
        expect(encoded(mine).equals(encoded(theirs)), `record ${record.record}`).toBe(true);
        expect(mine.digest()).toMatch(/^[0-9a-f]{64}$/);
        expect(mine.digest()).toBe(theirs.digest());
      }
    },
  );

  it('writes no row without its properties (never NULL by omission)', () => {
    const enc = new CopyBinaryEncoder(MOLECULE_DATA_BINARY_TYPES);
    const { properties: _dropped, ...columns } = {
      source: 'pubchem',
      externalId: '1',
      name: null,
      smiles: null,
      inchi: null,
      inchikey: null,
      formula: null,
      molWeight: null,
      molfile: null,
      properties: {},
      origin: { file: 'f', record: 1, line: 1 },
      weight: 1,
    };
    expect(() => writeDataFields(enc, columns)).toThrow(/without properties/);
  });
});

describe('RowArena.packText', () => {
  it('encodes a row’s columns from its text once, when first read, and never for a row nobody reads', async () => {
    const [record] = await records('pubchem_compound_head_245.sdf.gz');
    const { packed: eager, row } = both(record!, 'pubchem');
    const calls: string[] = [];
    const encode: FieldEncoding = (text, origin) => {
      calls.push(`${origin.record}`);
      expect(text).toBe(record!.raw);
      return Buffer.from(eager.dataFields());
    };
    const arena = new RowArena({ printed: false });
    const untouched = arena.packText(row, record!.raw, encode);
    expect(untouched.externalId).toBe(row.externalId);
    expect(untouched.recordText()).toBe(record!.raw);
    expect(untouched.digest()).toBeUndefined();
    untouched.release();
    expect(calls).toEqual([]);
    expect(() => untouched.molfile).toThrow(/after its batch was written/);
    expect(() => untouched.digest()).toThrow(/after its batch was written/);

    const read = arena.packText(row, record!.raw, encode);
    expect(encoded(read).equals(encoded(row))).toBe(true);
    expect(read.molfile).toBe(row.molfile);
    expect(read.properties).toEqual(row.properties);
    expect(calls).toEqual([`${row.origin.record}`]);
  });

  it('encodeDataFields gives packColumns’ bytes in a buffer of their own', async () => {
    for (const record of await records('chembl_dump_head_200.sdf.gz')) {
      const mapped: string[] = [];
      const columns = toMoleculeColumns(record, 'chembl', {}, mapped);
      if (isReject(columns)) throw new Error('rejected');
      const { packed } = both(record, 'chembl');
      expect(encodeDataFields(columns, record.fields, mapped).equals(packed.dataFields())).toBe(true);
    }
  });
});

describe('CopyFieldEncoder.jsonbFields', () => {
  it('prints every value as JSON.stringify does: short and long, each kind of escape first and last', () => {
    const specials = ['"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', 'α', '💊', '\ud800', '\u2028'];
    const fields = new Map<string, string>();
    for (const length of [0, 1, 2, 63, 64, 65, 200])
      for (const special of ['', ...specials])
        for (const at of length === 0 ? [0] : [0, length - 1]) {
          const plain = 'x'.repeat(length);
          fields.set(
            `k${fields.size}`,
            special === '' ? plain : plain.slice(0, at) + special + plain.slice(at + 1),
          );
        }
    const enc = new CopyBinaryEncoder(['jsonb']);
    enc.beginRow(1);
    enc.jsonbFields(fields, ['k1']);
    const bytes = Buffer.concat(enc.finish());
    // Header (19 bytes), field count (2), length (4), jsonb version (1); the trailer (2) after.
    const json = bytes.subarray(19 + 2 + 4 + 1, bytes.length - 2).toString('utf8');
    const expected = new Map(fields);
    expected.delete('k1');
    expect(json).toBe(JSON.stringify(Object.fromEntries(expected)));
  });
});

describe('fieldsJsonBound', () => {
  it('is never less than what jsonbFields prints, an empty key and empty values included', () => {
    const cases: [string, string][][] = [
      [['', '']],
      [
        ['', ''],
        ['a', ''],
        ['"', '\u0000'],
      ],
      [['💊', '\u001f\u001f\u001f']],
      Array.from({ length: 50 }, (_, i): [string, string] => [`${i}`, '']),
    ];
    for (const entries of cases) {
      const fields = new Map(entries);
      const enc = new CopyBinaryEncoder(['jsonb']);
      enc.beginRow(1);
      enc.jsonbFields(fields, []);
      // Header (19), field count (2), length (4), jsonb version (1), trailer (2): the rest is JSON.
      const printed = Buffer.concat(enc.finish()).length - 19 - 2 - 4 - 1 - 2;
      expect(printed).toBe(Buffer.byteLength(JSON.stringify(Object.fromEntries(entries))));
      expect(fieldsJsonBound(fields), JSON.stringify(entries)).toBeGreaterThanOrEqual(printed);
    }
  });
});
