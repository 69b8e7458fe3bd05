/**
 * Upserts merge: a source that lacks a column never erases it. Real files of one release loaded
 * one after the other, in both orders, and every column checked against the files themselves,
 * read back with other readers (sdf-parser for SDF, csv-parse for the tabular files).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseSdf } from 'sdf-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { testBackends } from '../helpers/db.js';
import type { ImportStats } from '../../src/import/stats.js';

const FIX = path.resolve(__dirname, '../../fixtures');
const CHEMBL_SDF = path.join(FIX, 'samples/chembl_dump_head_200.sdf.gz');
const CHEMREPS = path.join(FIX, 'chembl_tabular/kffl_chembl_25_chemreps_top100.txt');
const PUBCHEM_SDF = path.join(FIX, 'pubchem_sdf/rdkit_Regress_mols.1000.sdf.gz');
const PUBCHEM_SMILES = path.join(FIX, 'pubchem_tabular/rdkit_Regress_mols.1000.txt.gz');

const text = (file: string): string => {
  const bytes = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
};

/** The ChEMBL SDF by chembl_id: its molfile as sdf-parser reads it. */
const chemblSdf = new Map(
  parseSdf(text(CHEMBL_SDF)).molecules.map((m) => [String(m.chembl_id), String(m.molfile)]),
);
/** chemreps.txt by chembl_id, as csv-parse reads it. */
const chemreps = new Map(
  parseCsv<{
    chembl_id: string;
    canonical_smiles: string;
    standard_inchi: string;
    standard_inchi_key: string;
  }>(text(CHEMREPS), { delimiter: '\t', columns: true }).map((r) => [r.chembl_id, r]),
);
const pubchemSdf = new Map(
  parseSdf(text(PUBCHEM_SDF)).molecules.map((m) => [String(m.PUBCHEM_COMPOUND_CID), m]),
);
const pubchemSmiles = new Map(
  text(PUBCHEM_SMILES)
    .trim()
    .split('\n')
    .map((line) => line.split(' ') as [string, string]),
);

interface Row {
  external_id: string;
  name: string | null;
  smiles: string | null;
  inchi: string | null;
  inchikey: string | null;
  formula: string | null;
  mol_weight: number | null;
  molfile: string | null;
  properties: Record<string, string>;
}

/** Counts add up: every record read is accounted for exactly once. */
function expectCountsAddUp(s: ImportStats): void {
  expect(s.read).toBe(s.inserted + s.updated + s.unchanged + s.duplicates + s.rejected + s.skipped);
}

const backends = await testBackends();

describe.each(backends)('upsert merges (%s)', (backend) => {
  let t: CliTarget;
  beforeAll(async () => {
    t = await cliTarget(backend);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const load = async (source: string, file: string, table: string, ...extra: string[]) => {
    const r = await runCli([source, file, ...t.args, '--table', table, '--json', ...extra], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(r.code, r.stderr).toBe(0);
    const stats = parseJsonStats(r.stdout);
    expectCountsAddUp(stats);
    return stats;
  };
  const rows = async (table: string): Promise<Map<string, Row>> => {
    const list = await t.query<Row>(
      `SELECT external_id, name, smiles, inchi, inchikey, formula, mol_weight, molfile, properties
       FROM "${t.schema}"."${table}" ORDER BY external_id`,
    );
    return new Map(list.map((r) => [r.external_id, r]));
  };

  /** Every ChEMBL row holds the SDF's molfile and, where chemreps has the ID, its three identifiers. */
  const expectChemblMerged = (stored: Map<string, Row>): void => {
    expect(stored.size).toBe(200);
    let withIdentifiers = 0;
    for (const [id, molfile] of chemblSdf) {
      const row = stored.get(id);
      expect(row, id).toBeDefined();
      expect(row!.molfile?.trimEnd(), `${id} molfile`).toBe(molfile.trimEnd());
      const reps = chemreps.get(id);
      if (reps === undefined) {
        expect(row!.smiles, `${id} smiles`).toBeNull();
        expect(row!.inchikey, `${id} inchikey`).toBeNull();
        continue;
      }
      withIdentifiers++;
      expect(row!.smiles, `${id} smiles`).toBe(reps.canonical_smiles);
      expect(row!.inchi, `${id} inchi`).toBe(reps.standard_inchi);
      expect(row!.inchikey, `${id} inchikey`).toBe(reps.standard_inchi_key);
    }
    expect(withIdentifiers).toBe(100);
  };

  it('ChEMBL SDF, then chemreps.txt, then the SDF again: molfiles stay, identifiers are added', async () => {
    const first = await load('chembl', CHEMBL_SDF, 'sdf_first');
    expect(first).toMatchObject({ read: 200, inserted: 200, updated: 0 });

    const second = await load('chembl', CHEMREPS, 'sdf_first');
    expect(second).toMatchObject({ read: 100, inserted: 0, updated: 100, unchanged: 0 });
    expectChemblMerged(await rows('sdf_first'));

    // The SDF has no identifiers: merging it changes nothing, and it erases nothing.
    const third = await load('chembl', CHEMBL_SDF, 'sdf_first');
    expect(third).toMatchObject({ read: 200, inserted: 0, updated: 0, unchanged: 200 });
    expectChemblMerged(await rows('sdf_first'));
    // chemreps again: its values are already there.
    const fourth = await load('chembl', CHEMREPS, 'sdf_first');
    expect(fourth).toMatchObject({ read: 100, updated: 0, unchanged: 100 });
  });

  it('chemreps.txt first, then the SDF: the same rows as the other order', async () => {
    const first = await load('chembl', CHEMREPS, 'reps_first');
    expect(first).toMatchObject({ read: 100, inserted: 100 });
    const second = await load('chembl', CHEMBL_SDF, 'reps_first');
    expect(second).toMatchObject({ read: 200, inserted: 100, updated: 100, unchanged: 0 });
    const stored = await rows('reps_first');
    expectChemblMerged(stored);
    // The other order, loaded here: the tests of this file may run in any order.
    await load('chembl', CHEMBL_SDF, 'sdf_then_reps');
    await load('chembl', CHEMREPS, 'sdf_then_reps');
    expect([...stored.values()]).toEqual([...(await rows('sdf_then_reps')).values()]);
  });

  it('PubChem SDF, then the CID/SMILES list: the SMILES is replaced, everything else stays', async () => {
    const first = await load('pubchem', PUBCHEM_SDF, 'pubchem');
    expect(first).toMatchObject({ read: 1000, inserted: 1000 });
    const before = await rows('pubchem');
    const second = await load('pubchem', PUBCHEM_SMILES, 'pubchem');
    const changed = [...pubchemSmiles].filter(([cid, smiles]) => before.get(cid)?.smiles !== smiles).length;
    expect(changed).toBeGreaterThan(0);
    expect(second).toMatchObject({ read: 1000, inserted: 0, updated: changed, unchanged: 1000 - changed });

    const after = await rows('pubchem');
    expect(after.size).toBe(1000);
    for (const [cid, record] of pubchemSdf) {
      const row = after.get(cid)!;
      const was = before.get(cid)!;
      expect(row.smiles, `${cid} smiles`).toBe(pubchemSmiles.get(cid));
      expect(row.molfile?.trimEnd(), `${cid} molfile`).toBe(String(record.molfile).trimEnd());
      expect(row.formula, `${cid} formula`).toBe(String(record.PUBCHEM_MOLECULAR_FORMULA));
      expect(row.name).toBe(was.name);
      expect(row.inchi).toBe(was.inchi);
      expect(row.mol_weight).toBe(was.mol_weight);
      // Every data field the SDF had that is not a column is still a property, value for value.
      expect(row.properties).toEqual(was.properties);
      expect(row.properties.PUBCHEM_CACTVS_TPSA).toBe(String(record.PUBCHEM_CACTVS_TPSA));
    }
  });

  it('--mode replace overwrites the whole row: the SDF molfiles chemreps lacks are gone', async () => {
    await load('chembl', CHEMBL_SDF, 'replace');
    const replaced = await load('chembl', CHEMREPS, 'replace', '--mode', 'replace');
    expect(replaced).toMatchObject({ read: 100, updated: 100, mode: 'replace' });
    const stored = await rows('replace');
    for (const id of chemreps.keys()) {
      expect(stored.get(id)!.molfile, id).toBeNull();
      expect(stored.get(id)!.smiles, id).toBe(chemreps.get(id)!.canonical_smiles);
    }
    for (const id of chemblSdf.keys()) if (!chemreps.has(id)) expect(stored.get(id)!.molfile).not.toBeNull();
  });
});
