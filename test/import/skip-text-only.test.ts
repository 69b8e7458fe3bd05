/**
 * A `--mode skip` run into a table that holds rows of its source packs rows as their record text
 * only, and encodes a row's columns only when a batch writes it: a re-import encodes none, a run of
 * new rows encodes exactly those, and what is stored is what a first import stores.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runImport, type ImportOptions } from '../../src/index.js';
import { PackingHint } from '../../src/import/packing-hint.js';
import { RowArena, type FieldEncoding, type PackedMoleculeRow } from '../../src/sink/packed-rows.js';
import { randomSchemaName, testDatabaseUrl } from '../helpers/db.js';
import { describeWith, prereqs } from '../helpers/prereq.js';

const pgUp = await prereqs.postgres('the skip text-only packing test');
const SAMPLE = path.resolve('fixtures/samples/pubchem_compound_head_245.sdf.gz');

describe('PackingHint', () => {
  it('packs as text while the last batch was at least half unchanged, and says so again after', () => {
    const hint = new PackingHint();
    expect(hint.textOnly).toBe(true);
    hint.record(10, 5);
    expect(hint.textOnly).toBe(true);
    hint.record(10, 4);
    expect(hint.textOnly).toBe(false);
    hint.record(0, 0); // a batch of rejects only says nothing
    expect(hint.textOnly).toBe(false);
    hint.record(3, 3);
    expect(hint.textOnly).toBe(true);
  });
});

describeWith(pgUp)('--mode skip: rows packed as their text', () => {
  const schema = randomSchemaName();
  const reference = randomSchemaName();
  let dir = '';
  let admin: pg.Client;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-text-only-'));
    admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    for (const s of [schema, reference])
      await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * One import, counting rows packed as text, packed with their columns, and encoded later; and
   * rows packed as text from their key alone, their record's data fields never parsed.
   */
  async function imported(into: string, options: Partial<ImportOptions>) {
    const counts = { text: 0, columns: 0, encoded: 0, keyed: 0 };
    type Pack = (...args: unknown[]) => PackedMoleculeRow;
    // The real methods, taken before the spies replace them, called on the spied arena.
    const packText = Reflect.get(RowArena.prototype, 'packText') as Pack;
    const packColumns = Reflect.get(RowArena.prototype, 'packColumns') as Pack;
    const spies = [
      vi.spyOn(RowArena.prototype, 'packText').mockImplementation(function (
        this: RowArena,
        row: unknown,
        text: unknown,
        encode: FieldEncoding,
      ) {
        counts.text++;
        if (!Object.hasOwn(row as object, 'smiles')) counts.keyed++;
        const counted: FieldEncoding = (t, origin) => {
          counts.encoded++;
          return encode(t, origin);
        };
        return packText.call(this, row, text, counted);
      }),
      vi.spyOn(RowArena.prototype, 'packColumns').mockImplementation(function (
        this: RowArena,
        ...args: unknown[]
      ) {
        counts.columns++;
        return packColumns.apply(this, args);
      }),
    ];
    try {
      const result = await runImport({
        source: 'pubchem',
        files: [SAMPLE],
        database: testDatabaseUrl(),
        schema: into,
        table: 'molecules',
        cwd: dir,
        createSchema: true,
        ...options,
      });
      return { result, counts };
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  const stored = async (s: string) =>
    (
      await admin.query<{ md5: string; n: string }>(
        `SELECT count(*) AS n, md5(string_agg(concat_ws('|', external_id, name, smiles, inchi, inchikey,
           formula, mol_weight, molfile, properties::text, source_file, source_record, source_seq),
           '#' ORDER BY external_id)) AS md5
         FROM "${s}".molecules`,
      )
    ).rows[0];

  it('encodes only the rows a batch writes, and stores what a first import stores', async () => {
    const first = await imported(schema, { limit: 100 });
    expect(first.result.inserted).toBe(100);
    // A first import: no stored rows of the source, so every row is packed with its columns.
    expect(first.counts).toEqual({ text: 0, columns: 100, encoded: 0, keyed: 0 });

    // 100 stored, then 145 new: the stored ones come first and are packed as text. Rows read after
    // a batch of mostly new rows was written are packed with their columns (PackingHint, above);
    // how many that is depends on how far reading ran ahead.
    const rest = await imported(schema, { mode: 'skip', adaptive: false, batchSize: 50 });
    expect([rest.result.unchanged, rest.result.inserted]).toEqual([100, 145]);
    expect(rest.counts.text + rest.counts.columns).toBe(245);
    expect(rest.counts.text).toBeGreaterThanOrEqual(100);
    expect(rest.counts.keyed).toBeGreaterThanOrEqual(100);
    // Exactly the new rows packed as text were encoded, each once; no stored row was.
    expect(rest.counts.encoded).toBe(rest.counts.text - 100);

    await imported(reference, {});
    expect(await stored(schema)).toEqual(await stored(reference));

    // A re-import of stored rows only: every row packed as text from its key, none encoded.
    const again = await imported(schema, { mode: 'skip' });
    expect(again.result.unchanged).toBe(245);
    expect(again.counts).toEqual({ text: 245, columns: 0, encoded: 0, keyed: 245 });
    expect(await stored(schema)).toEqual(await stored(reference));
  });
});
