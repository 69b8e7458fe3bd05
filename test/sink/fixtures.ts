import type { MoleculeRow } from '../../src/types.js';

/** A molecule row with defaults; `file`/`record` fill the origin. */
export function molecule(externalId: string, overrides: Partial<MoleculeRow> = {}, record = 1): MoleculeRow {
  return {
    source: 'chembl',
    externalId,
    name: `name of ${externalId}`,
    smiles: 'CCO',
    inchi: 'InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3',
    inchikey: 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
    formula: 'C2H6O',
    molWeight: 46.07,
    molfile: '\n  tab\there\\back\r\n  0  0  0     0  0  0  0  0  0999 V2000\nM  END',
    properties: { chembl_id: externalId, zero_padded: '007', multi: 'line1\nline2' },
    origin: { file: 'in.sdf', record, line: record * 10 },
    weight: 100,
    ...overrides,
  };
}

/**
 * Data fields that exercise every encoding on the way into PostgreSQL: COPY's escapes, control
 * characters, non-BMP text, an empty string against a NULL, a 70 KB molfile (TOASTed), NaN.
 */
export const TRICKY_FIELDS = {
  name: 'tab\tnewline\ncr\rback\\slash \\N ünïcødé ☃ 𝔘',
  smiles: '',
  inchi: null,
  molWeight: Number.NaN,
  molfile: `${'x'.repeat(70_000)}\nM  END`,
  properties: { 'quote"key': 'q"v\\', empty: '', nested: 'a\tb\nc\u0001\u001f', unicode: '𝔘☃' },
} satisfies Partial<MoleculeRow>;
