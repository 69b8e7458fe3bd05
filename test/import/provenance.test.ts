/**
 * `--recompute` replaces the file's identifiers with RDKit's, and the file's own values stay in
 * `properties` under their field names: data from the file never vanishes. Checked against the file
 * as sdf-parser reads it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseSdf } from 'sdf-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const PUBCHEM = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');

describe('provenance under --recompute', () => {
  let t: CliTarget;
  beforeAll(async () => {
    t = await cliTarget();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('keeps the file InChIKey, InChI, SMILES, formula and weight as properties beside the computed columns', async () => {
    const r = await runCli(['pubchem', PUBCHEM, ...t.args, '--compute', 'all', '--recompute', '--json'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(r.code, r.stderr).toBe(0);
    const stats = parseJsonStats(r.stdout);
    expect(stats).toMatchObject({ read: 245, inserted: 245, rejected: 0 });

    const file = new Map(
      parseSdf(gunzipSync(readFileSync(PUBCHEM)).toString('utf8')).molecules.map((m) => [
        String(m.PUBCHEM_COMPOUND_CID),
        m,
      ]),
    );
    const rows = await t.query<{
      external_id: string;
      inchikey: string | null;
      smiles: string | null;
      properties: Record<string, string>;
    }>(`SELECT external_id, inchikey, smiles, properties FROM "${t.schema}"."molecules"`);
    expect(rows).toHaveLength(245);
    let differing = 0;
    for (const row of rows) {
      const record = file.get(row.external_id)!;
      for (const field of [
        'PUBCHEM_IUPAC_INCHIKEY',
        'PUBCHEM_IUPAC_INCHI',
        'PUBCHEM_OPENEYE_CAN_SMILES',
        'PUBCHEM_MOLECULAR_FORMULA',
        'PUBCHEM_MOLECULAR_WEIGHT',
      ]) {
        expect(row.properties[field], `${row.external_id} ${field}`).toBe(String(record[field]));
      }
      if (row.smiles !== record.PUBCHEM_OPENEYE_CAN_SMILES) differing++;
      expect(row.inchikey).toMatch(/^[A-Z]{14}-[A-Z]{10}-[A-Z]$/);
    }
    // RDKit's canonical SMILES is not OpenEye's: the columns really were replaced.
    expect(differing).toBeGreaterThan(100);
  });
});
