/**
 * Every shared real file (fixtures/): records read = molecules counted independently here, rows +
 * rejects = records, and mapped fields equal the file's own text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/sources/read-records.js';
import { isReject, toMoleculeRow } from '../../src/transform/to-molecule-row.js';
import type { DataSource, MoleculeRow, Reject, SourceRecord } from '../../src/types.js';

const ROOT = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const DIRS = ['chembl_sdf', 'pubchem_sdf', 'nasty_sdf', 'chembl_tabular', 'pubchem_tabular'];
const files = DIRS.flatMap((d) => readdirSync(ROOT + d).map((f) => `${d}/${f}`));

function text(path: string): string {
  const buf = readFileSync(ROOT + path);
  return (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
}

/** `$$$$` lines plus an unterminated last record. */
function countSdf(t: string): number {
  const lines = t.split(/\r\n|\n|\r/);
  let n = 0;
  let pending = false;
  for (const line of lines) {
    if (line.startsWith('$$$$')) {
      n++;
      pending = false;
    } else if (line.trim().length > 0) pending = true;
  }
  return n + (pending ? 1 : 0);
}

/** Headerless files, per the shared MANIFEST. */
const HEADERLESS = new Set([
  'pubchem_tabular/rdkit_Regress_mols.1000.txt.gz',
  'pubchem_tabular/rdkit_pubchem_stereo_test.smi',
]);
function countCsv(path: string, t: string): number {
  const lines = t.split(/\r?\n/).filter((l) => l.trim().length > 0);
  return lines.length - (HEADERLESS.has(path) ? 0 : 1);
}

function profileOf(path: string, t: string): DataSource {
  if (path.includes('chembl')) return 'chembl';
  if (path.startsWith('pubchem') || /PUBCHEM_COMPOUND_CID|^CID_\d+/m.test(t)) return 'pubchem';
  return 'generic';
}

/** generic files: the ID field a user would pick (`--id-field`). */
const ID_FIELD: Record<string, string> = {
  'nasty_sdf/cdk_weirdprops.sdf': 'DatabaseID',
  'nasty_sdf/mesa_drugcentral_v3_sample.sdf': 'ID',
  'nasty_sdf/rdkit_solubility.test_crlf_nonascii.sdf': 'ID',
  'nasty_sdf/rdkit_witch-salts.sdf': 'Code',
  'nasty_sdf/sdf-parser_test_isis.sdf': 'Code',
  'nasty_sdf/sdf-parser_test2_utf8_garbage_tail.sdf': 'nmrshiftdb2 ID',
};

/** Files where some records must be rejected, and why. */
const EXPECTED_REJECTS: Record<string, RegExp> = {
  // The trailing garbage record.
  'nasty_sdf/sdf-parser_test2_utf8_garbage_tail.sdf': /counts line/,
  // 21 of 807 records have no PUBCHEM_COMPOUND_CID and an empty title.
  'nasty_sdf/indigo_adv_pka_model_v3000.sdf.gz': /no ID/,
  // One of the two records has no PUBCHEM_COMPOUND_CID.
  'nasty_sdf/indigo_properties-empty.sdf': /no ID/,
  // 3 of 4 records have no fields; titles are not CIDs.
  'nasty_sdf/indigo_serialize_crlf.sdf': /no ID/,
  // ChEMBL molecule_properties export: no ID column at all.
  'chembl_tabular/glados_DownloadTestE.csv': /no ID/,
};

describe.each(files)('%s', (path) => {
  it('reads every record, maps each to a row or a reject, and mapped fields match the file text', async () => {
    const t = text(path);
    const isSdf = !path.includes('_tabular/');
    const expected = isSdf ? countSdf(t) : countCsv(path, t);
    const source = profileOf(path, t);
    const records: SourceRecord[] = [];
    for await (const r of readRecords(ROOT + path, { source })) records.push(r);
    expect(records).toHaveLength(expected);
    expect(records.every((r) => r.format === (isSdf ? 'sdf' : 'csv'))).toBe(true);
    expect(records.map((r) => r.record)).toEqual(records.map((_, i) => i + 1));

    const rows: MoleculeRow[] = [];
    const rejects: Reject[] = [];
    for (const r of records) {
      const out = toMoleculeRow(r, source, { idField: ID_FIELD[path] });
      if (isReject(out)) rejects.push(out);
      else rows.push(out);
    }
    expect(rows.length + rejects.length).toBe(records.length);
    const rejectRule = EXPECTED_REJECTS[path];
    if (rejectRule === undefined) expect(rejects.map((r) => r.reason)).toEqual([]);
    else for (const r of rejects) expect(r.reason).toMatch(rejectRule);

    const lines = t.split(/\r\n|\n|\r/);
    for (const r of records) {
      // The line number points at the record's first line.
      const first = isSdf ? (r as { title: string }).title : r.raw.split('\n')[0];
      expect(lines[r.line - 1]?.replace(/^\uFEFF/, ''), `record ${r.record} line ${r.line}`).toBe(first);
      expect(r.bytes).toBe(Buffer.byteLength(r.raw));
    }

    for (const row of rows) {
      const record = records[row.origin.record - 1] as SourceRecord;
      expect(row.weight).toBe(record.bytes);
      expect(row.molfile).toBe(record.format === 'sdf' ? record.molfile : null);
      // The ID is the file's own text: a field value, a CSV cell, or the title line.
      const raw = record.raw;
      expect(raw.includes(row.externalId), `${row.externalId} in record ${record.record}`).toBe(true);
      if (source === 'pubchem' && record.fields.has('PUBCHEM_COMPOUND_CID')) {
        expect(row.externalId).toBe(record.fields.get('PUBCHEM_COMPOUND_CID'));
        expect(raw).toContain(`<PUBCHEM_COMPOUND_CID>\n${row.externalId}\n`);
      }
      if (source === 'chembl' && record.format === 'sdf' && record.fields.has('chembl_id')) {
        expect(raw).toMatch(new RegExp(`<chembl_id>[^\\n]*\\n${row.externalId}\\n`));
      }
      for (const v of [row.smiles, row.inchi, row.inchikey, row.name, row.formula]) {
        if (v !== null) expect(raw).toContain(v);
      }
      // Every property value is verbatim from the record (SDF: the text after its header line).
      for (const [key, value] of Object.entries(row.properties)) {
        // The transform writes only the file's own fields, all strings.
        if (typeof value !== 'string') throw new Error(`${key}: not a string`);
        expect(record.fields.get(key)).toBe(value);
        if (record.format === 'sdf') {
          const at = raw.indexOf(`<${key.replace(/#\d+$/, '')}>`);
          expect(at, key).toBeGreaterThanOrEqual(0);
          expect(raw.slice(raw.indexOf('\n', at) + 1)).toContain(value);
        } else if (value.length > 0) {
          expect(
            raw.includes(value) || raw.includes(value.replace(/"/g, '""')),
            `${key} in record ${record.record}`,
          ).toBe(true);
        }
      }
      // Nothing dropped: mapped columns + properties cover every field.
      const used = Object.keys(row.properties).length;
      expect(used).toBeLessThanOrEqual(record.fields.size);
    }
  });
});

describe('mapping details on real files', () => {
  async function rowsOf(
    path: string,
    source: DataSource,
    idField?: string,
  ): Promise<(MoleculeRow | Reject)[]> {
    const out: (MoleculeRow | Reject)[] = [];
    for await (const r of readRecords(ROOT + path, { source }))
      out.push(toMoleculeRow(r, source, { idField }));
    return out;
  }

  it('pubchem dump: CID, InChIKey, SMILES, formula, weight; the rest verbatim in properties', async () => {
    const [first] = (await rowsOf(
      'pubchem_sdf/indigo_Compound_0000001_0000250.sdf.gz',
      'pubchem',
    )) as MoleculeRow[];
    expect(first).toMatchObject({
      source: 'pubchem',
      externalId: '1',
      inchikey: 'RDHQFKQIGNGIED-UHFFFAOYSA-N',
      formula: 'C9H17NO4',
      molWeight: 203.23558,
    });
    expect(first?.molWeight).toBe(Number('203.23558'));
    expect(first?.smiles).toBe('CC(=O)OC(CC(=O)[O-])C[N+](C)(C)C');
    expect(first?.properties).not.toHaveProperty('PUBCHEM_COMPOUND_CID');
    expect(first?.properties.PUBCHEM_OPENEYE_ISO_SMILES).toBe('CC(=O)OC(CC(=O)[O-])C[N+](C)(C)C');
    expect(first?.properties.PUBCHEM_COORDINATE_TYPE).toBe('1\n3'); // a multi-line value
  });

  it('pubchem 2008 generation: NIST InChI, OpenEye MF/MW', async () => {
    const [row] = (await rowsOf(
      'nasty_sdf/cdk_pubchem_24763_huge_801_atoms.sdf',
      'pubchem',
    )) as MoleculeRow[];
    expect(row?.externalId).toBe('24763');
    // The NIST InChI is non-standard (InChI=1/…): it stays a property, the inchi column stays standard-only.
    expect(row?.inchi).toBeNull();
    expect(row?.properties.PUBCHEM_NIST_INCHI).toMatch(/^InChI=1\//);
    expect(row?.formula).not.toBeNull();
    expect(row?.molWeight).toBeGreaterThan(1000);
  });

  it('pubchem CID_ titles and headerless CID/SMILES lists', async () => {
    const sdf = (await rowsOf(
      'nasty_sdf/rdkit_pubchem_stereo_test_nofields.sdf',
      'pubchem',
    )) as MoleculeRow[];
    const smi = (await rowsOf('pubchem_tabular/rdkit_pubchem_stereo_test.smi', 'pubchem')) as MoleculeRow[];
    expect(sdf[0]?.externalId).toBe('11788481');
    expect(smi[0]).toMatchObject({ externalId: '11788481', smiles: 'CC(C)C(=O)/C=C/CCCC#C' });
    const list = (await rowsOf('pubchem_tabular/rdkit_Regress_mols.1000.txt.gz', 'pubchem')) as MoleculeRow[];
    expect(list[0]).toMatchObject({
      externalId: '23684363',
      smiles: '[Na+].CCOC(c1[nH]c(C)c(CCC([O-])=O)c1C)=O',
    });
  });

  it('chembl: dump title/field, chemreps, web export with "ChEMBL ID" and "None"', async () => {
    const dump = (await rowsOf(
      'chembl_sdf/npfc_chembl_dump_head_rdkit_200.sdf.gz',
      'chembl',
    )) as MoleculeRow[];
    expect(dump[0]?.externalId).toBe('CHEMBL153534');
    expect(dump[0]?.properties).toEqual({});
    const reps = (await rowsOf(
      'chembl_tabular/kffl_chembl_25_chemreps_top100.txt',
      'chembl',
    )) as MoleculeRow[];
    expect(reps[0]).toMatchObject({
      externalId: 'CHEMBL153534',
      smiles: 'Cc1cc(cn1C)c2csc(N=C(N)N)n2',
      inchikey: 'MFRNFCWYPYSFQQ-UHFFFAOYSA-N',
      molfile: null,
    });
    const web = (await rowsOf('chembl_tabular/rdkit_ChEMBL_quinolones.tsv', 'chembl')) as MoleculeRow[];
    expect(web[0]?.externalId).toBe('CHEMBL1782626');
    expect(web[0]?.name).toBeNull();
    expect(web[0]?.properties.Name).toBe('');
    expect(web[0]?.molWeight).toBe(325.5);
    const pka = (await rowsOf('chembl_sdf/pkasolver_00_chembl_subset.sdf', 'chembl')) as MoleculeRow[];
    expect(pka.every((r) => /^CHEMBL\d+$/.test(r.externalId))).toBe(true);
  });

  it('generic: idField, or a reject listing the available fields', async () => {
    const rows = await rowsOf('nasty_sdf/mesa_drugcentral_v3_sample.sdf', 'generic', 'ID');
    expect((rows[0] as MoleculeRow).externalId).toBe('4');
    const missing = await rowsOf('nasty_sdf/mesa_drugcentral_v3_sample.sdf', 'generic', 'nope');
    expect((missing[0] as Reject).reason).toMatch(
      /no "nope" field \(available fields: "ID", "PREFERRED_NAME"/,
    );
  });
});
