import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { overlapReport } from '../../src/import/overlap.js';
import { knownUnderOtherSource } from '../../src/sink/overlap-queries.js';
import type { TableTarget } from '../../src/sink/index.js';
import type { MoleculeRow } from '../../src/types.js';
import { row } from '../chem/helpers.js';
import { testBackends, useTestOperations } from '../helpers/db.js';

const backends = await testBackends('the overlap tests');

const KEY = {
  aspirin: 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N',
  ethanol: 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
  caffeine: 'RYYVLZVUVIJVGH-UHFFFAOYSA-N',
  benzene: 'UHOVQNZJYSORNB-UHFFFAOYSA-N',
  water: 'XLYOFNOQVPJJNP-UHFFFAOYSA-N',
};

function mol(source: string, id: string, inchikey: string | null): MoleculeRow {
  return { ...row(null, Number(id.replace(/\D/g, '')) || 1, { inchikey }), source, externalId: id };
}

describe.each(backends)('overlap on %s', (kind) => {
  const ops = useTestOperations(kind);

  async function table(name: string): Promise<TableTarget> {
    return ops.db.ensureSchema({ schema: ops.schema, table: name });
  }

  it('counts, per ordered pair of sources, the molecules sharing an InChIKey', async () => {
    const target = await table('overlap_molecules');
    const chembl = [
      mol('chembl', 'CHEMBL25', KEY.aspirin),
      mol('chembl', 'CHEMBL545', KEY.ethanol),
      mol('chembl', 'CHEMBL113', KEY.caffeine),
      mol('chembl', 'CHEMBL9', null),
    ];
    // Two PubChem CIDs with the aspirin key (a mixture record, say): counted once each on PubChem's side.
    const pubchem = [
      mol('pubchem', '2244', KEY.aspirin),
      mol('pubchem', '99999', KEY.aspirin),
      mol('pubchem', '702', KEY.ethanol),
      mol('pubchem', '241', KEY.benzene),
    ];
    const generic = [mol('generic', 'g1', KEY.water), mol('generic', 'g2', KEY.benzene)];
    for (const rows of [chembl, pubchem, generic]) {
      await ops.db.writeMolecules({ target, rows, mode: 'upsert', runId: null });
    }

    const report = await overlapReport(ops.db, { schema: target.schema, table: target.table });
    expect(report.perSource).toEqual({
      chembl: { molecules: 4, withInchikey: 3, withKey: 3 },
      generic: { molecules: 2, withInchikey: 2, withKey: 2 },
      pubchem: { molecules: 4, withInchikey: 4, withKey: 4 },
    });
    const shared = Object.fromEntries(report.pairs.map((p) => [`${p.a}->${p.b}`, p.shared]));
    expect(shared).toEqual({
      'chembl->generic': 0,
      'chembl->pubchem': 2,
      'generic->chembl': 0,
      'generic->pubchem': 1,
      'pubchem->chembl': 3,
      'pubchem->generic': 1,
    });
    expect(report.pairs.find((p) => p.a === 'chembl' && p.b === 'pubchem')).toEqual({
      a: 'chembl',
      b: 'pubchem',
      shared: 2,
      aTotal: 4,
      bTotal: 4,
    });

    const two = await overlapReport(ops.db, {
      schema: target.schema,
      table: target.table,
      sources: ['pubchem', 'chembl', 'zinc'],
    });
    expect(Object.keys(two.perSource).sort()).toEqual(['chembl', 'pubchem', 'zinc']);
    expect(two.perSource.zinc).toEqual({ molecules: 0, withInchikey: 0, withKey: 0 });
    expect(two.pairs.map((p) => `${p.a}->${p.b}:${p.shared}`)).toEqual([
      'chembl->pubchem:2',
      'chembl->zinc:0',
      'pubchem->chembl:3',
      'pubchem->zinc:0',
      'zinc->chembl:0',
      'zinc->pubchem:0',
    ]);
  });

  it('compares at three levels: InChIKey, connectivity (first block), parent InChIKey', async () => {
    const target = await table('overlap_levels');
    const base = 'HEFNNWSXXWATRW';
    const withParent = (m: MoleculeRow, parent: string | null): MoleculeRow => ({
      ...m,
      parentInchikey: parent,
    });
    const chembl = [
      // Ibuprofen as ChEMBL registers it (racemic parent).
      withParent(mol('chembl', 'CHEMBL521', `${base}-UHFFFAOYSA-N`), `${base}-UHFFFAOYSA-N`),
    ];
    const pubchem = [
      // Its sodium salt (different InChIKey, same parent) and the S enantiomer (same first block).
      withParent(mol('pubchem', '23687778', 'CYWFCPPBTWOZSF-UHFFFAOYSA-M'), `${base}-UHFFFAOYSA-N`),
      withParent(mol('pubchem', '39912', `${base}-JTQLQIEISA-N`), `${base}-JTQLQIEISA-N`),
    ];
    for (const rows of [chembl, pubchem])
      await ops.db.writeMolecules({ target, rows, mode: 'upsert', runId: null });
    const at = async (by: 'inchikey' | 'connectivity' | 'parent') =>
      overlapReport(ops.db, { schema: target.schema, table: target.table, by });

    const full = await at('inchikey');
    expect(full.pairs.map((p) => `${p.a}->${p.b}:${p.shared}`)).toEqual([
      'chembl->pubchem:0',
      'pubchem->chembl:0',
    ]);
    expect(full.examples).toEqual({});

    const connectivity = await at('connectivity');
    expect(connectivity.pairs.map((p) => `${p.a}->${p.b}:${p.shared}`)).toEqual([
      'chembl->pubchem:1',
      'pubchem->chembl:1',
    ]);
    expect(connectivity.examples['chembl→pubchem']).toEqual([
      {
        aId: 'CHEMBL521',
        bId: '39912',
        key: base,
        aInchikey: `${base}-UHFFFAOYSA-N`,
        bInchikey: `${base}-JTQLQIEISA-N`,
      },
    ]);

    const parent = await at('parent');
    expect(parent.by).toBe('parent');
    expect(parent.pairs.map((p) => `${p.a}->${p.b}:${p.shared}`)).toEqual([
      'chembl->pubchem:1',
      'pubchem->chembl:1',
    ]);
    expect(parent.examples['pubchem→chembl']!.map((e) => [e.aId, e.bId])).toEqual([
      ['23687778', 'CHEMBL521'],
    ]);
    await expect(
      overlapReport(ops.db, { schema: target.schema, table: target.table, by: 'nope' as 'parent' }),
    ).rejects.toThrow(/by: expected one of inchikey, connectivity, parent/);
  });

  it('uses the inchikey index for the probes', async () => {
    if (kind !== 'postgres') return;
    const target = await table('overlap_molecules');
    // Tiny table: the planner may prefer a sequential scan; with it disabled the index must be usable.
    await ops.db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const { rows } = await tx.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT 1 FROM "${target.schema}"."${target.table}" o WHERE o.inchikey = $1 AND o.source = $2`,
        [KEY.aspirin, 'pubchem'],
      );
      expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/inchikey_idx/);
    });
  });

  it('counts the molecules a run wrote that are known under another source', async () => {
    const target = await table('known_molecules');
    const pubchemRun = await ops.db.startRun({ source: 'pubchem', target });
    await ops.db.writeMolecules({
      target,
      rows: [
        mol('pubchem', '2244', KEY.aspirin),
        mol('pubchem', '702', KEY.ethanol),
        mol('pubchem', '241', KEY.benzene),
      ],
      mode: 'upsert',
      runId: pubchemRun,
    });
    expect(await knownUnderOtherSource(ops.db, target, 'pubchem', pubchemRun)).toBe(0);

    const chemblRun = await ops.db.startRun({ source: 'chembl', target });
    await ops.db.writeMolecules({
      target,
      rows: [
        mol('chembl', 'CHEMBL25', KEY.aspirin),
        mol('chembl', 'CHEMBL545', KEY.ethanol),
        mol('chembl', 'CHEMBL113', KEY.caffeine),
        mol('chembl', 'CHEMBL9', null),
      ],
      mode: 'upsert',
      runId: chemblRun,
    });
    expect(await knownUnderOtherSource(ops.db, target, 'chembl', chemblRun)).toBe(2);
    // Another run's rows are not this run's.
    expect(await knownUnderOtherSource(ops.db, target, 'chembl', chemblRun + 1000)).toBe(0);
  });

  it('refuses bad identifiers and empty source names before querying', async () => {
    await expect(overlapReport(ops.db, { schema: ops.schema, table: 'x; DROP TABLE y' })).rejects.toThrow(
      ConfigurationError,
    );
    await expect(
      overlapReport(ops.db, { schema: ops.schema, table: 'known_molecules', sources: [''] }),
    ).rejects.toThrow(/sources must be non-empty strings/);
  });
});
