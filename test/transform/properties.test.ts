import { describe, expect, it } from 'vitest';
import { extractProperties, isReject, toMoleculeRow } from '../../src/transform/to-molecule-row.js';
import { isStandardInchi, isStandardInchikey } from '../../src/transform/to-molecule-row.js';
import type { MoleculeRow, SourceRecord } from '../../src/types.js';

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

describe('field lookup by profile names', () => {
  const sdf = (fields: [string, string][]): SourceRecord => ({
    format: 'sdf',
    file: 'in.sdf',
    record: 1,
    line: 1,
    bytes: 100,
    crlf: false,
    raw: '',
    title: '',
    molfile: '',
    atomCount: undefined,
    ctabVersion: undefined,
    problem: undefined,
    fields: new Map(fields),
  });

  it('matches ignoring case, takes the first such key in file order, and keeps it out of properties', () => {
    const row = toMoleculeRow(
      sdf([
        ['pubchem_compound_cid', '42'],
        ['Pubchem_Iupac_Name', 'first'],
        ['PUBCHEM_IUPAC_NAME'.toLowerCase(), 'second'],
        ['other', 'x'],
      ]),
      'pubchem',
    );
    expect(isReject(row)).toBe(false);
    expect(row).toMatchObject({ externalId: '42', name: 'first' });
    expect((row as MoleculeRow).properties).toEqual({ pubchem_iupac_name: 'second', other: 'x' });
  });

  it('matches a name whose lower case has another length (Turkish dotted I)', () => {
    const row = toMoleculeRow(sdf([['İD', '7']]), 'generic', { idField: 'i̇d' });
    expect(row).toMatchObject({ externalId: '7', properties: {} });
    // And a non-ASCII key whose lower case is ASCII (the Kelvin sign K lower-cases to k).
    const kelvin = toMoleculeRow(sdf([['\u212AID', '8']]), 'generic', { idField: 'kid' });
    expect(kelvin).toMatchObject({ externalId: '8', properties: {} });
  });
});

describe('standard InChI only in the inchi and inchikey columns', () => {
  it('tells standard InChI and InChIKeys from non-standard ones', () => {
    expect(isStandardInchi('InChI=1S/CH4/h1H4')).toBe(true);
    expect(isStandardInchi('InChI=1/CH4/h1H4')).toBe(false);
    expect(isStandardInchikey('VNWKTOKETHGBQD-UHFFFAOYSA-N')).toBe(true);
    expect(isStandardInchikey('VNWKTOKETHGBQD-UHFFFAOYNA-N')).toBe(false);
  });
});
