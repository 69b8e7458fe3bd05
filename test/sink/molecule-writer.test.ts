import { describe, expect, it } from 'vitest';
import { ConfigurationError, DatabaseError } from '../../src/errors.js';
import {
  classifyDbError,
  isTransientDbError,
  type TableTarget,
  type WrittenRowStatus,
} from '../../src/sink/index.js';
import { testBackends, useTestOperations } from '../helpers/db.js';
import { molecule, TRICKY_FIELDS } from './fixtures.js';

const backends = await testBackends('the molecule writer tests');

describe.each(backends)('molecule writer on %s', (kind) => {
  const ctx = useTestOperations(kind);
  let n = 0;
  /** A fresh molecules table in the suite's schema. */
  async function freshTable(): Promise<TableTarget> {
    return ctx.db.ensureSchema({ schema: ctx.schema, table: `molecules_${++n}` });
  }
  async function tableRows(target: TableTarget): Promise<Record<string, unknown>[]> {
    return ctx.db.query(`SELECT * FROM "${target.schema}"."${target.table}" ORDER BY source, external_id`);
  }

  it('creates the schema idempotently and concurrently', async () => {
    const target = { schema: ctx.schema, table: 'idempotent' };
    await Promise.all([
      ctx.db.ensureSchema(target),
      ctx.db.ensureSchema(target),
      ctx.db.ensureSchema(target),
    ]);
    await ctx.db.ensureSchema(target);
    const indexes = await ctx.db.query<{ indexdef: string }>(
      'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
      [ctx.schema, 'idempotent'],
    );
    expect(indexes.map((i) => i.indexdef).join('\n')).toMatch(/inchikey/);
    expect(indexes.map((i) => i.indexdef).join('\n')).toMatch(/UNIQUE.*\(source, external_id\)/);
    const tables = await ctx.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
      [ctx.schema],
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['idempotent', 'molimport_batches', 'molimport_runs']),
    );
  });

  it('stores the same rows whichever way they are written (COPY into the table, COPY binary into staging)', async () => {
    const tricky = [
      molecule('CHEMBL1'),
      molecule('CHEMBL2', TRICKY_FIELDS),
      molecule('CHEMBL3', { molWeight: Number.POSITIVE_INFINITY, formula: null }, 2 ** 40),
    ];
    const tables: Record<string, unknown>[][] = [];
    const ways = [{ directCopy: true }, { directCopy: false }] as const;
    for (const way of ways) {
      const target = await freshTable();
      const result = await ctx.db.writeMolecules({
        target,
        rows: tricky,
        runId: 7,
        seqOf: (_row, i) => 2 ** 33 + i,
        ...way,
      });
      expect(result.inserted).toBe(3);
      tables.push(
        await ctx.db.query(
          `SELECT source, external_id, name, smiles, inchi, inchikey, formula, mol_weight::text AS mw,
                  molfile, properties::text AS properties, source_file, source_record, run_id, source_seq
           FROM "${target.schema}"."${target.table}" ORDER BY external_id`,
        ),
      );
    }
    expect(tables[0]).toHaveLength(3);
    expect(tables[0]?.[1]).toMatchObject({ name: tricky[1]?.name, smiles: '', inchi: null, mw: 'NaN' });
    expect(tables[0]?.[2]).toMatchObject({ mw: 'Infinity' });
    expect(String(tables[0]?.[2]?.source_record)).toBe(String(2 ** 40));
    expect(tables[0]?.[2]).toMatchObject({ run_id: '7', source_seq: String(2 ** 33 + 2) });
    for (const other of tables.slice(1)) expect(other).toEqual(tables[0]);
  });

  it('COPYs a batch of new keys straight into the table, and stages a batch that meets existing keys', async () => {
    const target = await freshTable();
    const table = `"${target.schema}"."${target.table}"`;
    // Which statement wrote the rows: COPY (direct) or INSERT ... SELECT (staging).
    await ctx.db.query(`CREATE TABLE "${target.schema}".${target.table}_log (n serial, q text)`);
    await ctx.db
      .query(`CREATE FUNCTION "${target.schema}".${target.table}_note() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO "${target.schema}".${target.table}_log (q) VALUES (split_part(ltrim(current_query()), ' ', 1)); RETURN NULL; END $$`);
    await ctx.db.query(
      `CREATE TRIGGER note AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION "${target.schema}".${target.table}_note()`,
    );
    const lastWrite = async (): Promise<string | undefined> =>
      (
        await ctx.db.query<{ q: string }>(
          `SELECT q FROM "${target.schema}".${target.table}_log ORDER BY n DESC LIMIT 1`,
        )
      )[0]?.q;

    const fresh = await ctx.db.writeMolecules({ target, rows: [molecule('D1'), molecule('D2')], runId: 1 });
    expect(fresh.statuses).toEqual(['inserted', 'inserted']);
    expect(await lastWrite()).toBe('COPY');

    // One key already there: the whole batch goes the staging way, with its usual statuses.
    const mixed = await ctx.db.writeMolecules({
      target,
      rows: [molecule('D3'), molecule('D1'), molecule('D2', { name: 'renamed' }), molecule('D3')],
      runId: 2,
    });
    expect(mixed.statuses).toEqual(['duplicate', 'unchanged', 'updated', 'inserted']);
    expect(await lastWrite()).toBe('INSERT');

    // Duplicates inside a batch of new keys: still direct, the later record wins.
    const dup = await ctx.db.writeMolecules({
      target,
      rows: [molecule('D4', { name: 'early' }), molecule('D4', { name: 'late' })],
      runId: 3,
    });
    expect(dup.statuses).toEqual(['duplicate', 'inserted']);
    expect(await lastWrite()).toBe('COPY');

    const staged = await ctx.db.writeMolecules({
      target,
      rows: [molecule('D5')],
      runId: 4,
      directCopy: false,
    });
    expect(staged.statuses).toEqual(['inserted']);
    expect(await lastWrite()).toBe('INSERT');

    // A batch expected to meet stored keys (a re-import) settles them without probing first: a
    // batch of new keys still goes straight in, one with stored keys the staging way.
    const expectedStored = await ctx.db.writeMolecules({
      target,
      rows: [molecule('D6'), molecule('D7')],
      runId: 5,
      storedLikely: true,
    });
    expect(expectedStored.statuses).toEqual(['inserted', 'inserted']);
    expect(await lastWrite()).toBe('COPY');
    const reimport = await ctx.db.writeMolecules({
      target,
      rows: [molecule('D6', { name: 'changed' }), molecule('D8'), molecule('D7')],
      runId: 6,
      storedLikely: true,
    });
    expect(reimport.statuses).toEqual(['updated', 'inserted', 'unchanged']);
    expect(await lastWrite()).toBe('INSERT');

    const names = Object.fromEntries(
      (await tableRows(target)).map((r): [string, unknown] => [r.external_id as string, r.name]),
    );
    expect(names).toEqual({
      D1: 'name of D1',
      D2: 'renamed',
      D3: 'name of D3',
      D4: 'late',
      D5: 'name of D5',
      D6: 'changed',
      D7: 'name of D7',
      D8: 'name of D8',
    });
  });

  it.each(['upsert', 'skip'] as const)(
    '%s: a batch settled by key without a probe first (storedLikely) ends as one that probes',
    async (mode) => {
      // Keys PostgreSQL's array literal must quote, and some it need not.
      const keys = [
        'K1',
        'NULL',
        'null',
        '',
        ' sp ',
        'a,b',
        '{x}',
        'q"q',
        'b\\s',
        'ü',
        'CHEMBL9',
        '1/2+3:4.5_6-7',
      ];
      const ends: unknown[] = [];
      for (const storedLikely of [false, true]) {
        const target = await freshTable();
        const first = await ctx.db.startRun({ source: 'chembl', target });
        await ctx.db.writeMolecules({ target, rows: keys.slice(0, 8).map((k) => molecule(k)), runId: first });
        const run = await ctx.db.startRun({ source: 'chembl', target });
        const rows = [
          ...keys.map((k, i) => molecule(k, i % 3 === 0 ? { name: `new ${k}` } : {})),
          molecule('K1', { smiles: 'C' }),
        ];
        const result = await ctx.db.writeMolecules({
          target,
          rows,
          mode,
          runId: run,
          seqOf: (_row, i) => i,
          storedLikely,
        });
        const table = await ctx.db.query(
          `SELECT external_id, name, smiles, run_id = $1 AS this_run, source_seq
           FROM "${target.schema}"."${target.table}" ORDER BY external_id`,
          [run],
        );
        expect(table).toHaveLength(keys.length);
        ends.push({ statuses: result.statuses, table });
      }
      expect(ends[1]).toEqual(ends[0]);
    },
  );

  // Needs two connections at once: the embedded database has one, so this does not apply to it.
  if (kind === 'postgres')
    it('falls back to staging when a parallel batch commits one of its keys during the direct COPY', async () => {
      const target = await freshTable();
      const runId = await ctx.db.startRun({ source: 'chembl', target });
      let later: Promise<{ statuses: WrittenRowStatus[] }> | undefined;
      await ctx.db.transaction(async (tx) => {
        // The earlier record of K, written but not committed: the direct COPY below must wait for it.
        await ctx.db.writeMolecules({
          tx,
          target,
          rows: [molecule('K', { name: 'earlier' })],
          runId,
          seqOf: () => 1,
        });
        later = ctx.db.writeMolecules({
          target,
          rows: [molecule('K2'), molecule('K', { name: 'later' })],
          runId,
          seqOf: (_row, i) => 10 + i,
        });
        for (let i = 0; i < 500; i++) {
          const waiting = await ctx.db.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY%'`,
          );
          if (waiting.length > 0) return;
          await new Promise((r) => setTimeout(r, 10));
        }
        throw new Error('the direct COPY never waited for the uncommitted key');
      });
      // 23505 on K once the first transaction committed: rolled back, written again by staging.
      const result = await later!;
      expect(result.statuses).toEqual(['inserted', 'duplicate']);
      const rows = await tableRows(target);
      expect(rows.map((r) => [r.external_id, r.name, r.source_seq])).toEqual([
        ['K', 'later', '11'],
        ['K2', 'name of K2', '10'],
      ]);
    });

  it('refuses an existing table that is not a molecules table', async () => {
    await ctx.db.query(`CREATE TABLE "${ctx.schema}".other (id int)`);
    await expect(ctx.db.ensureSchema({ schema: ctx.schema, table: 'other' })).rejects.toThrow(
      /missing column/,
    );
  });

  it('inserts, then reports identical rows unchanged and a changed property updated', async () => {
    const target = await freshTable();
    const rows = [
      molecule('CHEMBL1'),
      molecule('CHEMBL2', { molWeight: null, name: null }),
      molecule('CHEMBL3'),
    ];
    const first = await ctx.db.writeMolecules({ target, rows, mode: 'upsert', runId: null });
    expect(first).toMatchObject({
      statuses: ['inserted', 'inserted', 'inserted'],
      inserted: 3,
      updated: 0,
      unchanged: 0,
      duplicates: 0,
    });
    const stored = await tableRows(target);
    expect(stored[0]).toMatchObject({
      external_id: 'CHEMBL1',
      molfile: rows[0]?.molfile,
      properties: { chembl_id: 'CHEMBL1', zero_padded: '007', multi: 'line1\nline2' },
      mol_weight: 46.07,
      source_file: 'in.sdf',
    });
    const before = stored.map((r) => String(r.updated_at));

    const again = await ctx.db.writeMolecules({ target, rows, mode: 'upsert', runId: null });
    expect(again.statuses).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect((await tableRows(target)).map((r) => String(r.updated_at))).toEqual(before);

    const changed = [
      rows[0],
      molecule('CHEMBL2', {
        molWeight: null,
        name: null,
        properties: { ...rows[1]?.properties, extra: 'x' },
      }),
      rows[2],
    ];
    const third = await ctx.db.writeMolecules({
      target,
      rows: changed.filter((r) => r !== undefined),
      mode: 'upsert',
      runId: null,
    });
    expect(third).toMatchObject({
      statuses: ['unchanged', 'updated', 'unchanged'],
      updated: 1,
      unchanged: 2,
    });
    const after = await tableRows(target);
    expect(after[1]?.properties).toMatchObject({ extra: 'x' });
    expect(after).toHaveLength(3);
  });

  it('lets the later record of an ID in one batch win, the earlier being a duplicate', async () => {
    const target = await freshTable();
    const rows = [
      molecule('A', { name: 'first' }),
      molecule('B'),
      molecule('A', { name: 'second' }),
      molecule('A', { name: 'third' }),
    ];
    const result = await ctx.db.writeMolecules({ target, rows, mode: 'upsert', runId: null });
    expect(result.statuses).toEqual(['duplicate', 'inserted', 'duplicate', 'inserted']);
    expect(result).toMatchObject({ inserted: 2, duplicates: 2 });
    // seq, not position, decides
    const bySeq = await ctx.db.writeMolecules({
      target,
      rows: [molecule('C', { name: 'late' }), molecule('C', { name: 'early' })],
      mode: 'upsert',
      runId: null,
      seqOf: (_row, i) => (i === 0 ? 100 : 1),
    });
    expect(bySeq.statuses).toEqual(['inserted', 'duplicate']);
    const names = Object.fromEntries(
      (await tableRows(target)).map((r): [string, unknown] => [r.external_id as string, r.name]),
    );
    expect(names).toEqual({ A: 'third', B: 'name of B', C: 'late' });
  });

  it.each([
    ['later batch commits last', [10, 20]],
    ['later batch commits first', [20, 10]],
  ])('across batches of one run the later record wins (%s)', async (_label, order) => {
    const target = await freshTable();
    const runId = await ctx.db.startRun({ source: 'chembl', target });
    const statuses: WrittenRowStatus[] = [];
    for (const seq of order) {
      const result = await ctx.db.writeMolecules({
        target,
        rows: [molecule('X', { name: `seq ${seq}` })],
        mode: 'upsert',
        runId,
        seqOf: () => seq ?? 0,
      });
      statuses.push(...result.statuses);
    }
    expect(statuses).toEqual(['inserted', 'duplicate']);
    const [row] = await tableRows(target);
    expect(row).toMatchObject({ name: 'seq 20', source_seq: '20', run_id: String(runId) });
    // a later run with the same data: unchanged; with other data: updated
    const nextRun = await ctx.db.startRun({ source: 'chembl', target });
    const same = await ctx.db.writeMolecules({
      target,
      rows: [molecule('X', { name: 'seq 20' })],
      mode: 'upsert',
      runId: nextRun,
    });
    expect(same.statuses).toEqual(['unchanged']);
    const other = await ctx.db.writeMolecules({
      target,
      rows: [molecule('X', { name: 'renamed' })],
      mode: 'upsert',
      runId: nextRun + 1,
    });
    expect(other.statuses).toEqual(['updated']);
  });

  it('upsert merges: a null keeps the stored value, properties merge key by key, warnings come from the winner', async () => {
    const target = await freshTable();
    await ctx.db.writeMolecules({
      target,
      rows: [
        molecule('M', {
          smiles: null,
          properties: { a: 'old', b: 'kept', molimport_warnings: 'rdkit: old warning' },
        }),
      ],
      mode: 'upsert',
      runId: 1,
    });
    const result = await ctx.db.writeMolecules({
      target,
      rows: [molecule('M', { molfile: null, name: null, smiles: 'C', properties: { a: 'new', c: 'added' } })],
      mode: 'upsert',
      runId: 2,
    });
    expect(result.statuses).toEqual(['updated']);
    const [row] = await tableRows(target);
    expect(row).toMatchObject({
      name: 'name of M',
      smiles: 'C',
      molfile: molecule('M').molfile,
      properties: { a: 'new', b: 'kept', c: 'added' },
      run_id: '2',
    });
    expect(row?.properties).not.toHaveProperty('molimport_warnings');
    // Nothing new in the record: unchanged, and not rewritten.
    const again = await ctx.db.writeMolecules({
      target,
      rows: [molecule('M', { molfile: null, name: null, smiles: null, properties: { c: 'added' } })],
      mode: 'upsert',
      runId: 3,
    });
    expect(again.statuses).toEqual(['unchanged']);
    expect((await tableRows(target))[0]?.updated_at).toEqual(row?.updated_at);
  });

  it('upsert merges the records of one ID whatever the batch boundaries and commit order', async () => {
    const early = molecule('D', { smiles: null, properties: { from: 'early', only_early: 'e' } });
    const late = molecule('D', { molfile: null, properties: { from: 'late' } });
    const expected = {
      smiles: late.smiles,
      molfile: early.molfile,
      properties: { from: 'late', only_early: 'e' },
    };
    // One batch.
    const one = await freshTable();
    const runOne = await ctx.db.startRun({ source: 'chembl', target: one });
    const inOne = await ctx.db.writeMolecules({
      target: one,
      rows: [late, early],
      mode: 'upsert',
      runId: runOne,
      seqOf: (_r, i) => (i === 0 ? 2 : 1),
    });
    expect(inOne.statuses).toEqual(['inserted', 'duplicate']);
    expect((await tableRows(one))[0]).toMatchObject(expected);
    // Two batches, the later record committed first.
    const two = await freshTable();
    const runTwo = await ctx.db.startRun({ source: 'chembl', target: two });
    for (const [row, seq] of [
      [late, 2],
      [early, 1],
    ] as const) {
      await ctx.db.writeMolecules({
        target: two,
        rows: [row],
        mode: 'upsert',
        runId: runTwo,
        seqOf: () => seq,
      });
    }
    expect((await tableRows(two))[0]).toMatchObject({ ...expected, source_seq: '2' });
  });

  it('replace mode overwrites the whole row, nulls included', async () => {
    const target = await freshTable();
    await ctx.db.writeMolecules({ target, rows: [molecule('R')], mode: 'upsert', runId: 1 });
    const result = await ctx.db.writeMolecules({
      target,
      rows: [molecule('R', { molfile: null, properties: { only: 'this' } })],
      mode: 'replace',
      runId: 2,
    });
    expect(result.statuses).toEqual(['updated']);
    expect((await tableRows(target))[0]).toMatchObject({ molfile: null, properties: { only: 'this' } });
  });

  it('re-import: a later record that changes nothing, committed first, still wins over an earlier one (stampUnchanged)', async () => {
    const target = await freshTable();
    const first = await ctx.db.startRun({ source: 'chembl', target });
    await ctx.db.writeMolecules({
      target,
      rows: [molecule('K', { name: 'V' })],
      mode: 'upsert',
      runId: first,
    });
    const [stored] = await tableRows(target);
    const run = await ctx.db.startRun({ source: 'chembl', target });
    // The later record (seq 20) equals the stored row; an earlier one (seq 10) is still in flight.
    const late = await ctx.db.writeMolecules({
      target,
      rows: [molecule('K', { name: 'V' })],
      mode: 'upsert',
      runId: run,
      seqOf: () => 20,
      stampUnchanged: new Set([0]),
    });
    expect(late.statuses).toEqual(['unchanged']);
    const [stamped] = await tableRows(target);
    // This run's seq is recorded, the data and updated_at are not touched.
    expect(stamped).toMatchObject({ name: 'V', run_id: String(run), source_seq: '20' });
    expect(stamped?.updated_at).toEqual(stored?.updated_at);
    const early = await ctx.db.writeMolecules({
      target,
      rows: [molecule('K', { name: 'W', smiles: null })],
      mode: 'upsert',
      runId: run,
      seqOf: () => 10,
    });
    expect(early.statuses).toEqual(['duplicate']);
    expect((await tableRows(target))[0]).toMatchObject({ name: 'V', source_seq: '20' });
  });

  it('skip mode keeps existing rows and reports them unchanged', async () => {
    const target = await freshTable();
    await ctx.db.writeMolecules({
      target,
      rows: [molecule('S1', { name: 'old' })],
      mode: 'upsert',
      runId: null,
    });
    const result = await ctx.db.writeMolecules({
      target,
      rows: [molecule('S1', { name: 'new' }), molecule('S2')],
      mode: 'skip',
      runId: null,
    });
    expect(result).toMatchObject({ statuses: ['unchanged', 'inserted'], inserted: 1, unchanged: 1 });
    expect((await tableRows(target))[0]?.name).toBe('old');
  });

  it.each([
    ['later batch commits last', [10, 20]],
    ['later batch commits first', [20, 10]],
  ])(
    'skip mode: two records of a new ID in one run, in two batches: the later record wins (%s)',
    async (_label, order) => {
      const target = await freshTable();
      // A row of an earlier run stays as it is, whatever this run's records say.
      await ctx.db.writeMolecules({ target, rows: [molecule('OLD', { name: 'stored' })], runId: null });
      const runId = await ctx.db.startRun({ source: 'chembl', target });
      const statuses: WrittenRowStatus[] = [];
      for (const seq of order) {
        const result = await ctx.db.writeMolecules({
          target,
          rows: [
            molecule('NEW', { name: `seq ${seq}`, smiles: null }),
            molecule('OLD', { name: `seq ${seq}` }),
          ],
          mode: 'skip',
          runId,
          seqOf: () => seq ?? 0,
        });
        statuses.push(...result.statuses);
      }
      // As when both records meet in one batch: the later one, whole (skip merges nothing).
      expect(statuses).toEqual(['inserted', 'unchanged', 'duplicate', 'unchanged']);
      const rows = await tableRows(target);
      expect(rows.map((r) => [r.external_id, r.name, r.smiles, r.source_seq])).toEqual([
        ['NEW', 'seq 20', null, '20'],
        ['OLD', 'stored', molecule('OLD').smiles, '0'],
      ]);
    },
  );

  it('insert mode inserts and lets a conflict fail the batch as a data error, writing nothing', async () => {
    const target = await freshTable();
    const ok = await ctx.db.writeMolecules({
      target,
      rows: [molecule('I1'), molecule('I2')],
      mode: 'insert',
      runId: null,
    });
    expect(ok.statuses).toEqual(['inserted', 'inserted']);
    const failure = await ctx.db
      .writeMolecules({ target, rows: [molecule('I3'), molecule('I1')], mode: 'insert', runId: null })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DatabaseError);
    expect((failure as DatabaseError).sqlState).toBe('23505');
    expect(classifyDbError(failure)).toBe('data');
    expect(await tableRows(target)).toHaveLength(2);
  });

  it('lets PostgreSQL refuse a NUL byte with its own message, as a data error', async () => {
    const target = await freshTable();
    const failure = await ctx.db
      .writeMolecules({
        target,
        rows: [molecule('N1'), molecule('N2', { name: 'bad\u0000name' })],
        mode: 'upsert',
        runId: null,
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DatabaseError);
    expect((failure as DatabaseError).message).toMatch(/invalid byte sequence for encoding "UTF8": 0x00/);
    expect((failure as DatabaseError).sqlState).toBe('22021');
    expect(isTransientDbError(failure)).toBe(false);
    expect(classifyDbError(failure)).toBe('data');
    expect(await tableRows(target)).toHaveLength(0);
    // a NUL inside a property (jsonb) is refused too
    const inJson = await ctx.db
      .writeMolecules({
        target,
        rows: [molecule('N3', { properties: { p: 'a\u0000b' } })],
        mode: 'upsert',
        runId: null,
      })
      .catch((e: unknown) => e);
    expect(classifyDbError(inJson)).toBe('data');
  });

  it('writes the ledger in the same transaction as the rows, and rolls both back together', async () => {
    const target = await freshTable();
    const runId = await ctx.db.startRun({
      source: 'chembl',
      target,
      files: ['a.sdf', 'b.sdf'],
      inputFingerprint: 'fp1',
    });
    await ctx.db.writeMolecules({
      target,
      rows: [molecule('L1', {}, 1), molecule('L2', {}, 2)],
      mode: 'upsert',
      runId,
      seqOf: (r) => r.origin.record,
      ledger: [{ fileIndex: 0, fileKey: 'a.sdf', firstRecord: 1, lastRecord: 2 }],
    });
    await ctx.db.writeMolecules({
      target,
      rows: [molecule('L3', {}, 3)],
      mode: 'upsert',
      runId,
      seqOf: (r) => r.origin.record,
      ledger: [{ fileIndex: 0, fileKey: 'a.sdf', firstRecord: 3, lastRecord: 4, rows: 2 }],
    });
    const failed = ctx.db.writeMolecules({
      target,
      rows: [molecule('L5', {}, 5), molecule('L6', { smiles: 'x\u0000' }, 6)],
      mode: 'upsert',
      runId,
      ledger: [{ fileIndex: 0, fileKey: 'a.sdf', firstRecord: 5, lastRecord: 6 }],
    });
    await expect(failed).rejects.toBeInstanceOf(DatabaseError);
    expect(await ctx.db.committedRanges(runId)).toEqual([
      { fileIndex: 0, fileKey: 'a.sdf', firstRecord: 1, lastRecord: 4, rows: 4 },
    ]);
    expect((await tableRows(target)).map((r) => r.external_id)).toEqual(['L1', 'L2', 'L3']);

    // inside a caller's transaction: rolled back with it
    await expect(
      ctx.db.transaction(async (tx) => {
        await ctx.db.writeMolecules({
          tx,
          target,
          rows: [molecule('L7', {}, 7)],
          mode: 'upsert',
          runId,
          ledger: [{ fileIndex: 1, fileKey: 'b.sdf', firstRecord: 1, lastRecord: 1 }],
        });
        throw new Error('caller gives up');
      }),
    ).rejects.toThrow('caller gives up');
    expect(await ctx.db.committedRanges(runId)).toHaveLength(1);
    expect(await tableRows(target)).toHaveLength(3);
  });

  it('rolls a transaction back on any error and commits otherwise', async () => {
    const target = await freshTable();
    const table = `"${target.schema}"."${target.table}"`;
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (source, external_id) VALUES ($1, $2)`, ['t', 'r1']);
        await tx.query('SELECT 1/0');
      }),
    ).rejects.toMatchObject({ sqlState: '22012' });
    const committed = await ctx.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (source, external_id) VALUES ($1, $2)`, ['t', 'r2']);
      return 'done';
    });
    expect(committed).toBe('done');
    expect((await tableRows(target)).map((r) => r.external_id)).toEqual(['r2']);
    // the connection is usable afterwards (no transaction left open)
    expect(await ctx.db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('batchInsert writes generic records with insert, upsert and skip modes', async () => {
    const table = `${ctx.schema}.generic`;
    await ctx.db.query(
      `CREATE TABLE "${ctx.schema}".generic (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, k text UNIQUE, v int, doc jsonb)`,
    );
    const inserted = await ctx.db.batchInsert({
      table,
      records: [
        { k: 'a', v: 1, doc: { x: [1, 2] } },
        { k: 'b', v: 2 },
      ],
    });
    expect(inserted).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
    expect(inserted.ids).toHaveLength(2);
    const upserted = await ctx.db.batchInsert({
      table,
      mode: 'upsert',
      conflictColumns: ['k'],
      records: [
        { k: 'a', v: 1, doc: { x: [1, 2] } },
        { k: 'b', v: 20 },
        { k: 'c', v: 3 },
        { k: 'c', v: 4 },
      ],
    });
    expect(upserted).toMatchObject({ inserted: 1, updated: 1, unchanged: 1, duplicates: 1 });
    const skipped = await ctx.db.batchInsert({
      table,
      mode: 'skip',
      records: [
        { k: 'a', v: 100 },
        { k: 'd', v: 5 },
      ],
      returning: ['k'],
    });
    expect(skipped).toMatchObject({ inserted: 1, unchanged: 1, ids: ['d'] });
    const rows = await ctx.db.query<{ k: string; v: number }>(
      `SELECT k, v FROM "${ctx.schema}".generic ORDER BY k`,
    );
    expect(rows).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 20 },
      { k: 'c', v: 4 },
      { k: 'd', v: 5 },
    ]);
    await ctx.db.transaction(async (tx) => {
      await ctx.db.batchInsert({ table, tx, records: [{ k: 'e', v: 6 }] });
      await expect(
        ctx.db.batchInsert({ table, tx, records: [{ 'k; drop table x': 1 }] }),
      ).rejects.toBeInstanceOf(ConfigurationError);
    });
    await expect(ctx.db.batchInsert({ table, records: [{ nope: 1 }] })).rejects.toThrow(/no column "nope"/);
    await expect(
      ctx.db.batchInsert({ table: 'x; drop table y', records: [{ k: 1 }] }),
    ).rejects.toBeInstanceOf(ConfigurationError);
    const stats = ctx.db.getStats();
    expect(stats.batchInsert?.count).toBeGreaterThanOrEqual(4);
    expect(stats.batchInsert?.rows).toBeGreaterThanOrEqual(5);
  });

  it('refuses SQL in schema and table names', async () => {
    await expect(ctx.db.ensureSchema({ schema: ctx.schema, table: 'x; drop table y' })).rejects.toThrow(
      ConfigurationError,
    );
    await expect(
      ctx.db.ensureSchema({ schema: 'public"; drop schema public; --', table: 'm' }),
    ).rejects.toThrow(/letters, digits and underscores/);
  });

  it('records runs and finds the resumable one', async () => {
    const target = await freshTable();
    const runId = await ctx.db.startRun({
      source: 'pubchem',
      target,
      files: [{ path: 'a.sdf.gz', bytes: 10 }],
      options: { mode: 'upsert' },
      inputFingerprint: 'fp-1',
    });
    expect(
      await ctx.db.findResumableRun({ source: 'pubchem', table: target, fingerprint: 'fp-1' }),
    ).toMatchObject({
      run: { id: runId, status: 'running' },
      fingerprintMatches: true,
    });
    expect(
      (await ctx.db.findResumableRun({ source: 'pubchem', table: target, fingerprint: 'other' }))
        ?.fingerprintMatches,
    ).toBe(false);
    await ctx.db.finishRun(runId, 'completed', { read: 3, inserted: 3 });
    expect(
      await ctx.db.findResumableRun({ source: 'pubchem', table: target, fingerprint: 'fp-1' }),
    ).toBeUndefined();
    const [latest] = await ctx.db.listRuns({ limit: 1 });
    expect(latest).toMatchObject({
      id: runId,
      status: 'completed',
      source: 'pubchem',
      targetTable: `${target.schema}.${target.table}`,
      files: [{ path: 'a.sdf.gz', bytes: 10 }],
      options: { mode: 'upsert' },
      stats: { read: 3, inserted: 3 },
      error: null,
      inputFingerprint: 'fp-1',
    });
    expect(latest?.finishedAt).toBeInstanceOf(Date);
    const failedRun = await ctx.db.startRun({ source: 'pubchem', target });
    await ctx.db.finishRun(failedRun, 'failed', null, 'too many errors');
    expect(await ctx.db.getRun(failedRun)).toMatchObject({ status: 'failed', error: 'too many errors' });
  });

  it('allows one holder of a table lock; a second acquire waits for it, or without waiting fails clearly', async () => {
    const target = { schema: ctx.schema, table: 'locked' };
    const release = await ctx.db.acquireTableLock(target, { wait: false });
    const refused = ctx.db.acquireTableLock(target, { wait: false });
    await expect(refused).rejects.toMatchObject({ code: 'MOLIMPORT_LOCKED' });
    await expect(refused).rejects.toThrow(/another molimport run is writing to .*locked/);
    const order: string[] = [];
    const waiter = ctx.db.acquireTableLock(target, { wait: true }).then((r) => {
      order.push('waiter acquired');
      return r;
    });
    // The waiter waits in-process on this instance's own hold, with no I/O in between: one turn of
    // the event loop runs every pending promise job, so a waiter that did not wait has acquired by now.
    await new Promise((r) => setImmediate(r));
    order.push('holder releases');
    await release();
    const releaseWaiter = await waiter;
    expect(order).toEqual(['holder releases', 'waiter acquired']);
    await releaseWaiter();
    const again = await ctx.db.acquireTableLock(target, { wait: false });
    await again();
  });

  it('keeps per-operation timings', async () => {
    const before = ctx.db.getStats().writeMolecules ?? { count: 0, rows: 0 };
    const target = await freshTable();
    await ctx.db.writeMolecules({ target, rows: [molecule('T1'), molecule('T2')], runId: 1 });
    await ctx.db.writeMolecules({ target, rows: [molecule('T3')], runId: 2 });
    const stats = ctx.db.getStats();
    // Other tests of this file may have written before (in any order): count what this one adds.
    expect(stats.writeMolecules).toMatchObject({ count: before.count + 2, rows: before.rows + 3 });
    expect(stats.writeMolecules?.p95Ms).toBeGreaterThanOrEqual(stats.writeMolecules?.p50Ms ?? 0);
    expect(ctx.db.describe().kind).toBe(kind);
  });
});
