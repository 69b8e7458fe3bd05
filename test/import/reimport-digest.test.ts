/**
 * Packed rows carry a re-import digest exactly when one can settle them: an upsert/replace run into
 * a table that already holds rows of its source. A first import and a `--mode skip` run pack their
 * properties as JSON.stringify gives them (cheaper), and the data stored is the same either way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { runImport } from '../../src/index.js';
import { RowArena, type PackedMoleculeRow } from '../../src/sink/packed-rows.js';
import { randomSchemaName, testDatabaseUrl } from '../helpers/db.js';
import { describeWith, prereqs } from '../helpers/prereq.js';

const pgUp = await prereqs.postgres('the re-import digest test');
const SAMPLE = path.resolve('fixtures/samples/pubchem_compound_head_245.sdf.gz');

describeWith(pgUp)('re-import: which packed rows carry a digest', () => {
  const schema = randomSchemaName();
  let dir = '';
  let admin: pg.Client;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-digest-'));
    admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  });

  /** One import; the digest of every row as it was packed (undefined: packed without one). */
  async function imported(mode: 'upsert' | 'skip') {
    const digests: (string | undefined)[] = [];
    // The real methods, taken before the spies replace them, called on the arena a spy was called
    // on: rows are packed by `pack` (properties built), `packColumns` (straight from the fields)
    // or `packText` (as their text, a skip re-import's).
    const spies = (['pack', 'packColumns', 'packText'] as const).map((method) => {
      const real = Reflect.get(RowArena.prototype, method) as (...args: unknown[]) => PackedMoleculeRow;
      return vi.spyOn(RowArena.prototype, method).mockImplementation(function (
        this: RowArena,
        ...args: unknown[]
      ) {
        const packed = real.apply(this, args);
        digests.push(packed.digest());
        return packed;
      });
    });
    try {
      const result = await runImport({
        source: 'pubchem',
        files: [SAMPLE],
        database: testDatabaseUrl(),
        schema,
        table: 'molecules',
        cwd: dir,
        createSchema: true,
        mode,
      });
      return { result, digests };
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  const stored = async () =>
    (
      await admin.query<{ md5: string }>(
        `SELECT md5(string_agg(concat_ws('|', external_id, name, smiles, inchi, inchikey, formula,
           mol_weight, molfile, properties::text), '#' ORDER BY external_id)) AS md5
         FROM "${schema}".molecules`,
      )
    ).rows[0]?.md5;

  it('none on a first import, one per row on an upsert re-import, none under --mode skip', async () => {
    const first = await imported('upsert');
    expect(first.result.inserted).toBe(245);
    expect(first.digests).toHaveLength(245);
    expect(first.digests.every((d) => d === undefined)).toBe(true);
    const before = await stored();

    const again = await imported('upsert');
    expect(again.result.unchanged).toBe(245);
    expect(again.digests).toHaveLength(245);
    expect(again.digests.every((d) => d !== undefined && /^[0-9a-f]{64}$/.test(d))).toBe(true);

    const skip = await imported('skip');
    expect(skip.result.unchanged).toBe(245);
    expect(skip.digests).toHaveLength(245);
    expect(skip.digests.every((d) => d === undefined)).toBe(true);
    expect(await stored()).toBe(before);
  });
});
