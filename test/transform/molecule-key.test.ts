/**
 * A row's key read from its record's text (toMoleculeKey over firstFieldValue), as a `--mode skip`
 * re-import reads records without their data fields: whenever it gives a key, it is the key
 * toMoleculeColumns gives after parsing every field; and for real dumps it gives one for every row.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { firstFieldValue, parseSdfRecord } from '../../src/parse/sdf-record.js';
import { readSdfRecords } from '../../src/parse/sdf-records.js';
import {
  isReject,
  keyFieldName,
  toMoleculeColumns,
  toMoleculeKey,
  type TransformOptions,
} from '../../src/transform/to-molecule-row.js';
import type { DataSource, SdfRecord } from '../../src/types.js';

const ROOT = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const SDF_FILES = ['chembl_sdf', 'pubchem_sdf', 'nasty_sdf', 'samples'].flatMap((d) =>
  readdirSync(ROOT + d)
    .filter((f) => /\.sdf?(\.gz)?$/.test(f))
    .map((f) => `${d}/${f}`),
);

function bytes(path: string): Buffer {
  const buf = readFileSync(ROOT + path);
  return buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
}

async function records(input: Buffer | string, file = 'test.sdf'): Promise<SdfRecord[]> {
  const out: SdfRecord[] = [];
  for await (const r of readSdfRecords([input], file)) out.push(r);
  return out;
}

/** The key from the record's text, the record read again without its fields as the reader would. */
function keyFromText(record: SdfRecord, source: DataSource, options: TransformOptions) {
  const bare = parseSdfRecord(record.raw, false);
  expect(bare.fields.size).toBe(0);
  const name = keyFieldName(source, options);
  const value = name === undefined ? undefined : firstFieldValue(record.raw, bare.fieldsFrom as number, name);
  return toMoleculeKey({ ...record, fields: bare.fields }, source, options, value);
}

/** Whether the key from text, when there is one, is toMoleculeColumns' key; returns whether there was one. */
function agrees(record: SdfRecord, source: DataSource, options: TransformOptions = {}): boolean {
  const key = keyFromText(record, source, options);
  if (key === undefined) return false;
  const columns = toMoleculeColumns(record, source, options, []);
  expect(isReject(columns), `${record.file} record ${record.record}`).toBe(false);
  if (isReject(columns)) return true;
  expect(key).toEqual({
    source: columns.source,
    externalId: columns.externalId,
    origin: columns.origin,
    weight: columns.weight,
  });
  return true;
}

describe('firstFieldValue', () => {
  it('gives what the parsed fields hold under a name, for every field of every fixture record', async () => {
    let checked = 0;
    for (const file of SDF_FILES) {
      for (const r of await records(bytes(file), file)) {
        const bare = parseSdfRecord(r.raw, false);
        const full = parseSdfRecord(r.raw);
        // Everything but the fields is read as before.
        expect({ ...bare, fields: full.fields, fieldsFrom: undefined }).toEqual(full);
        for (const [name, value] of full.fields) {
          const found = firstFieldValue(r.raw, bare.fieldsFrom as number, name);
          // A renamed duplicate (`a#2`) has no header of its own name.
          if (/#\d+$/.test(name) && found === undefined) continue;
          expect(found, `${file} record ${r.record} field ${name}`).toBe(value);
          checked++;
        }
        expect(firstFieldValue(r.raw, bare.fieldsFrom as number, 'no such field')).toBeUndefined();
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('takes the first of duplicate fields, stops at the next header, keeps inner blank lines', () => {
    const text =
      'T\n  test\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n' +
      '    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n' +
      '> <a>\nfirst\n\n> <b>  (12)\nx\n\ny\n\n\n> <a>\nsecond\n\n';
    const from = parseSdfRecord(text, false).fieldsFrom as number;
    expect(firstFieldValue(text, from, 'a')).toBe('first');
    expect(firstFieldValue(text, from, 'b')).toBe('x\n\ny');
    expect(firstFieldValue(text, from, 'a#2')).toBeUndefined();
    expect([...parseSdfRecord(text).fields]).toEqual([
      ['a', 'first'],
      ['b', 'x\n\ny'],
      ['a#2', 'second'],
    ]);
  });
});

describe('toMoleculeKey', () => {
  it('keys every record of the shipped ChEMBL and PubChem samples as toMoleculeColumns does', async () => {
    for (const [file, source] of [
      ['samples/chembl_dump_head_200.sdf.gz', 'chembl'],
      ['samples/pubchem_compound_head_245.sdf.gz', 'pubchem'],
      ['pubchem_sdf/indigo_Compound_0000001_0000250.sdf.gz', 'pubchem'],
    ] as const) {
      const all = await records(bytes(file), file);
      expect(all.filter((r) => agrees(r, source)).length, file).toBe(all.length);
    }
  });

  it('never gives a key toMoleculeColumns would not, for any fixture record under any profile', async () => {
    let keyed = 0;
    for (const file of SDF_FILES) {
      for (const r of await records(bytes(file), file)) {
        for (const source of ['chembl', 'pubchem', 'generic'] as const) if (agrees(r, source)) keyed++;
        for (const idField of ['ID', 'Code', 'chembl_id', 'PUBCHEM_COMPOUND_CID'])
          if (agrees(r, 'generic', { idField })) keyed++;
      }
    }
    expect(keyed).toBeGreaterThan(1_000);
  });

  it('leaves to toMoleculeColumns each record whose key takes more than its first ID field', async () => {
    const mol =
      '  test\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n' +
      '    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n';
    const cases: [string, string, DataSource, TransformOptions][] = [
      // The ID on the title line only.
      ['no fields', `123\n${mol}`, 'pubchem', {}],
      // The first candidate empty or a null token: the next candidate, `CID`, gives it.
      ['empty', `x\n${mol}> <PUBCHEM_COMPOUND_CID>\n\n\n> <CID>\n7\n\n`, 'pubchem', {}],
      ['null token', `x\n${mol}> <PUBCHEM_COMPOUND_CID>\n N/A \n\n> <CID>\n7\n\n`, 'pubchem', {}],
      // Not a CID: `idFromValue` refuses it, and the title gives the ID.
      ['not an ID', `42\n${mol}> <PUBCHEM_COMPOUND_CID>\nabc\n\n`, 'pubchem', {}],
      // Only a case-insensitive match finds it.
      ['other case', `x\n${mol}> <Chembl_ID>\nCHEMBL1\n\n`, 'chembl', {}],
      // A problem: a reject, whatever the ID.
      ['problem', `x\n${mol.replace('M  END\n', '')}> <chembl_id>\nCHEMBL1\n\n`, 'chembl', {}],
      // `a#2` is the second `a` in the map; the field written `a#2` is `a#2#2` there.
      ['renamed', `x\n${mol}> <a>\n1\n\n> <a>\n2\n\n> <a#2>\n3\n\n`, 'generic', { idField: 'a#2' }],
      ['empty --id-field', `x\n${mol}> <ID>\n\n\n`, 'generic', { idField: 'ID' }],
    ];
    for (const [what, text, source, options] of cases) {
      const [record] = await records(`${text}$$$$\n`);
      expect(keyFromText(record as SdfRecord, source, options), what).toBeUndefined();
    }
    // And the same text with a usable first ID field is keyed.
    const [plain] = await records(`x\n${mol}> <PUBCHEM_COMPOUND_CID>\n 7 \n\n$$$$\n`);
    expect(agrees(plain as SdfRecord, 'pubchem')).toBe(true);
    expect(keyFromText(plain as SdfRecord, 'pubchem', {})?.externalId).toBe('7');
  });
});
