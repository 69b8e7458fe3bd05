import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { ChemistryPool } from '../../src/chem/compute-pool.js';
import type { MoleculeRow } from '../../src/types.js';
import { ensureChemBuilt, ethanol, PENTAVALENT_CARBON, readSdf, row, sdfFiles } from './helpers.js';

const FAULTY_WORKER = fileURLToPath(new URL('./fixtures/faulty-worker.mjs', import.meta.url));
const ETHANOL_KEY = 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N';
const TIMEOUT_MS = 3_000;
const COMPUTE = { compute: ['inchikey', 'formula', 'smiles', 'mw'] } as const;
const VALIDATE = { compute: ['inchikey'], validate: true } as const;
const FAULTY = {
  compute: ['inchikey'],
  perRecordTimeoutMs: TIMEOUT_MS,
  workerModule: FAULTY_WORKER,
  batchSize: 4,
} as const;

beforeAll(() => {
  ensureChemBuilt();
});

// Each pool starts two threads that each load RDKit, so tests with the same settings share one.
const pools = new Map<string, ChemistryPool>();
function pool(options: ConstructorParameters<typeof ChemistryPool>[0]): ChemistryPool {
  const key = JSON.stringify(options);
  let created = pools.get(key);
  if (created === undefined) {
    created = new ChemistryPool({ threads: 2, ...options });
    pools.set(key, created);
  }
  return created;
}
afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.close()));
});

describe('ChemistryPool', () => {
  it('fills missing identifiers from PubChem molfiles, keeps what the file provides, loses nothing', async () => {
    const records = readSdf(
      sdfFiles('pubchem_sdf').find((f) => f.endsWith('indigo_Compound_0000001_0000250.sdf.gz'))!,
    );
    const rows = records.map((r, i) =>
      row(r.molfile ?? null, i + 1, {
        formula: i % 2 === 0 ? 'FROM-FILE' : null,
        smiles: i === 0 ? 'C' : null,
      }),
    );
    const chem = pool(COMPUTE);
    const started = performance.now();
    const result = await chem.processRows(rows);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `pool (2 threads, cold): ${rows.length} records in ${seconds.toFixed(2)} s, ${(rows.length / seconds).toFixed(0)} records/s`,
    );

    expect(result.rejects).toEqual([]);
    expect(result.rows.map((r) => r.origin.record)).toEqual(rows.map((r) => r.origin.record));
    let agree = 0;
    result.rows.forEach((out, i) => {
      if (out.inchikey === records[i]!.fields.get('PUBCHEM_IUPAC_INCHIKEY')) agree += 1;
      expect(out.formula).toBe(
        i % 2 === 0 ? 'FROM-FILE' : records[i]!.fields.get('PUBCHEM_MOLECULAR_FORMULA'),
      );
      expect(out.molWeight).toBeCloseTo(Number(records[i]!.fields.get('PUBCHEM_MOLECULAR_WEIGHT')), 1);
    });
    expect(agree).toBe(rows.length);
    expect(result.rows[0]!.smiles).toBe('C');
    expect(rows[1]!.inchikey).toBeNull(); // inputs are not modified
  });

  it('replaces values the file provides with recompute', async () => {
    const chem = pool({ compute: ['inchikey', 'formula'], recompute: true });
    const result = await chem.processRows([row(ethanol(), 1, { inchikey: 'WRONG', formula: 'C2H6O' })]);
    expect(result.rows[0]).toMatchObject({ inchikey: ETHANOL_KEY, formula: 'C2H6O' });
  });

  it('computes from the SMILES of a row without a molfile', async () => {
    const chem = pool(COMPUTE);
    const result = await chem.processRows([row(null, 1, { smiles: 'CCO' }), row(null, 2)]);
    expect(result.rows.map((r) => r.inchikey)).toEqual([ETHANOL_KEY, null]);
    expect(result.warnings).toBe(1);
    expect(result.warningDetails[0]!.message).toMatch(/no structure/);
  });

  it('with validate, rejects a pentavalent carbon with a reason mentioning valence', async () => {
    const chem = pool(VALIDATE);
    const result = await chem.processRows([row(ethanol(), 1), row(PENTAVALENT_CARBON, 2), row(ethanol(), 3)]);
    expect(result.rows.map((r) => [r.origin.record, r.inchikey])).toEqual([
      [1, ETHANOL_KEY],
      [3, ETHANOL_KEY],
    ]);
    expect(result.rejects).toHaveLength(1);
    expect(result.rejects[0]).toMatchObject({
      file: 'test.sdf',
      record: 2,
      line: 2,
      format: 'sdf',
      raw: PENTAVALENT_CARBON,
    });
    expect(result.rejects[0]!.reason).toMatch(/^invalid structure: .*valence/i);
    expect(result.warnings).toBe(0);
  });

  it('validates even when the file provides every value', async () => {
    const chem = pool(VALIDATE);
    const provided = { inchikey: 'FROM-FILE' };
    const result = await chem.processRows([
      row(PENTAVALENT_CARBON, 1, provided),
      row(ethanol(), 2, provided),
    ]);
    expect(result.rejects.map((r) => r.record)).toEqual([1]);
    expect(result.rows[0]).toMatchObject({ inchikey: 'FROM-FILE', smiles: null });
  });

  it('without validate, keeps an unparseable record with null computed fields and counts a warning', async () => {
    const chem = pool(COMPUTE);
    const result = await chem.processRows([
      row(PENTAVALENT_CARBON, 1, { smiles: 'kept' }),
      row(ethanol(), 2),
    ]);
    expect(result.rejects).toEqual([]);
    expect(result.rows[0]).toMatchObject({ inchikey: null, smiles: 'kept' });
    expect(result.rows[1]!.inchikey).toBe(ETHANOL_KEY);
    expect(result.warnings).toBe(1);
    expect(result.warningDetails[0]).toMatchObject({ origin: { record: 1 } });
    expect(result.warningDetails[0]?.message).toMatch(/valence/);
  });

  it('uses a caller-supplied reject builder (the caller knows the raw record text)', async () => {
    const chem = pool(VALIDATE);
    const result = await chem.processRows([row(PENTAVALENT_CARBON, 7)], (r, reason, kind) => ({
      ...r.origin,
      format: 'sdf',
      reason,
      kind,
      raw: `${r.molfile ?? ''}> <ID>\n7\n\n`,
    }));
    expect(result.rejects[0]!.raw).toContain('> <ID>');
  });

  it('fails at once on invalid options, saying what it expected', () => {
    expect(() => new ChemistryPool({ threads: 0 })).toThrow(ConfigurationError);
    expect(() => new ChemistryPool({ threads: 0 })).toThrow(
      /threads must be an integer from 1 to 256, received 0/,
    );
    expect(() => new ChemistryPool({ compute: ['logp' as never] })).toThrow(
      /compute must hold only smiles, inchi/,
    );
    expect(() => new ChemistryPool({ workerModule: '/nonexistent/worker.js' })).toThrow(
      /worker module not found/,
    );
  });
});

describe('ChemistryPool with a misbehaving worker', () => {
  const rows = (titles: string[]): MoleculeRow[] => titles.map((title, i) => row(ethanol(title), i + 1));

  it('keeps a record that hangs with a warning (a reject under validate), and keeps working', async () => {
    const chem = pool(FAULTY);
    const input = rows(['a', 'b', 'HANG_ME', 'c', 'd', 'e', 'f', 'g']);
    const result = await chem.processRows(input);
    expect(result.rejects).toEqual([]);
    expect(result.timedOut).toBe(1);
    expect(result.rows.map((r) => r.origin.record)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const hung = result.rows[2]!;
    // The file's values, the computed field empty, the warning on the row itself.
    expect(hung).toMatchObject({ inchikey: null, smiles: input[2]!.smiles });
    expect(hung.properties.molimport_warnings).toEqual([
      `timeout: chemistry timed out after ${TIMEOUT_MS} ms; computed fields left empty`,
    ]);
    expect(result.warnings).toBe(1);
    expect(result.rows.filter((r) => r.inchikey === ETHANOL_KEY)).toHaveLength(7);

    const strict = await pool({ ...FAULTY, validate: true }).processRows(rows(['a', 'HANG_ME', 'b']));
    expect(strict.rejects).toHaveLength(1);
    expect(strict.rejects[0]).toMatchObject({
      record: 2,
      kind: 'chem-timeout',
      reason: `chemistry timed out after ${TIMEOUT_MS} ms`,
    });
    expect(strict.rows.map((r) => r.origin.record)).toEqual([1, 3]);

    // The stuck thread was terminated and replaced: the pool still has two working threads.
    const again = await chem.processRows(rows(['h', 'i', 'j', 'k']));
    expect(again.rejects).toEqual([]);
    expect(again.rows.map((r) => r.inchikey)).toEqual(Array(4).fill(ETHANOL_KEY));
  });

  it('loses no record when a worker exits or throws an uncaught error mid-batch', async () => {
    const input = rows(['a', 'EXIT_ME', 'b', 'c', 'd', 'e', 'THROW_ME', 'f', 'g', 'h']);
    // Under validate the culprits are rejects; without it, the same two are kept with a warning.
    const strict = await pool({ ...FAULTY, validate: true }).processRows(input);
    expect(strict.rows.length + strict.rejects.length).toBe(input.length);
    expect(strict.rejects.map((r) => [r.record, r.kind])).toEqual([
      [2, 'chem-crash'],
      [7, 'chem-crash'],
    ]);
    expect(strict.rejects[0]!.reason).toMatch(/^chemistry worker crashed: .*exited with code: 7/);
    expect(strict.rejects[1]!.reason).toMatch(/^chemistry worker crashed: deliberate uncaught error/);
    expect(strict.rows.map((r) => r.origin.record)).toEqual([1, 3, 4, 5, 6, 8, 9, 10]);
    expect(strict.rows.every((r) => r.inchikey === ETHANOL_KEY)).toBe(true);

    const chem = pool(FAULTY);
    const result = await chem.processRows(input);
    expect(result.rejects).toEqual([]);
    expect(result.rows.map((r) => r.origin.record)).toEqual(input.map((r) => r.origin.record));
    const warned = result.rows.filter((r) => r.properties.molimport_warnings !== undefined);
    expect(warned.map((r) => [r.origin.record, r.inchikey])).toEqual([
      [2, null],
      [7, null],
    ]);
    expect(warned[0]!.properties.molimport_warnings).toEqual([
      expect.stringMatching(/^crash: chemistry worker crashed: .*exited with code: 7/),
    ]);

    const again = await chem.processRows(rows(['i', 'j']));
    expect(again.rows.map((r) => r.inchikey)).toEqual([ETHANOL_KEY, ETHANOL_KEY]);
  });

  it('refuses work after close', async () => {
    const chem = new ChemistryPool({ threads: 1, compute: ['inchikey'] });
    await chem.close();
    await expect(chem.processRows(rows(['a']))).rejects.toThrow(/closed/);
  });
});
