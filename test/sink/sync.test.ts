/**
 * The sync step on its own, on both backends: the seen IDs commit and roll back with their batch,
 * the guard refuses without deleting, and the step is exactly once (run again for the same run
 * after it committed, it reports the same numbers and deletes nothing more).
 */
import { describe, expect, it } from 'vitest';
import { DeleteGuardError } from '../../src/errors.js';
import type { TableTarget } from '../../src/sink/index.js';
import { applySync, prepareSync, recordSeen, seenTable } from '../../src/sink/sync.js';
import { testBackends, useTestOperations } from '../helpers/db.js';
import { molecule } from './fixtures.js';

const backends = await testBackends();

describe.each(backends)('sync step on %s', (kind) => {
  const ctx = useTestOperations(kind);
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `CHEMBL${i + 1}`);

  async function load(target: TableTarget, externalIds: string[], sync: boolean): Promise<number> {
    const runId = await ctx.db.startRun({ source: 'chembl', target });
    if (sync) await prepareSync(ctx.db, target, { runId, source: 'chembl', mode: 'hard' });
    const seen = seenTable(ctx.db.schema, runId);
    await ctx.db.writeMolecules({
      target,
      rows: externalIds.map((id) => molecule(id)),
      runId,
      ...(sync ? { afterWrite: (tx) => recordSeen(tx, seen, externalIds) } : {}),
    });
    return runId;
  }
  const count = async (target: TableTarget): Promise<number> =>
    Number(
      (
        await ctx.db.query<{ n: string }>(`SELECT count(*) AS n FROM "${target.schema}"."${target.table}"`)
      )[0]!.n,
    );

  it('deletes what the run did not see, once; a second call for the run only reports', async () => {
    const target = await ctx.db.ensureSchema({ schema: ctx.schema, table: 'once' });
    await load(target, ids(100), false);
    const runId = await load(target, ids(98), true);
    const first = await applySync(ctx.db, target, {
      runId,
      source: 'chembl',
      mode: 'hard',
      maxDeleteFraction: 0.05,
    });
    expect(first).toMatchObject({
      rowsBefore: 100,
      unseen: 2,
      deleted: 2,
      sample: ['CHEMBL100', 'CHEMBL99'],
    });
    expect(await count(target)).toBe(98);
    // A row written after the sync committed is not in the run's seen set: a replay that deleted
    // again would take it.
    await ctx.db.writeMolecules({ target, rows: [molecule('CHEMBL500')], runId: null });
    const replay = await applySync(ctx.db, target, {
      runId,
      source: 'chembl',
      mode: 'hard',
      maxDeleteFraction: 0.05,
    });
    expect(replay).toMatchObject({ deleted: 2, unseen: 2, rowsBefore: 100 });
    expect(await count(target)).toBe(99);
  });

  it('the guard throws DeleteGuardError and deletes nothing; the seen table survives for a retry', async () => {
    const target = await ctx.db.ensureSchema({ schema: ctx.schema, table: 'guard' });
    await load(target, ids(100), false);
    const runId = await load(target, ids(50), true);
    const err = await applySync(ctx.db, target, {
      runId,
      source: 'chembl',
      mode: 'hard',
      maxDeleteFraction: 0.05,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeleteGuardError);
    expect((err as DeleteGuardError).exitCode).toBe(3);
    expect(await count(target)).toBe(100);
    const retry = await applySync(ctx.db, target, {
      runId,
      source: 'chembl',
      mode: 'hard',
      maxDeleteFraction: 0.5,
    });
    expect(retry.deleted).toBe(50);
    expect(await count(target)).toBe(50);
  });

  it('seen IDs roll back with a batch that fails', async () => {
    const target = await ctx.db.ensureSchema({ schema: ctx.schema, table: 'rollback' });
    const runId = await ctx.db.startRun({ source: 'chembl', target });
    await prepareSync(ctx.db, target, { runId, source: 'chembl', mode: 'hard' });
    const seen = seenTable(ctx.db.schema, runId);
    const failing = ctx.db.writeMolecules({
      target,
      rows: [molecule('CHEMBL1')],
      runId,
      afterWrite: async (tx) => {
        await recordSeen(tx, seen, ['CHEMBL1']);
        await tx.query('SELECT 1/0');
      },
    });
    await expect(failing).rejects.toThrow(/division by zero/);
    const rows = await ctx.db.query(`SELECT * FROM "${seen.schema}"."${seen.table}"`);
    expect(rows).toEqual([]);
    expect(await count(target)).toBe(0);
  });
});
