/**
 * The start-up check for other sources in the table (whether the run counts molecules known under
 * another source): right whichever side of the run's source the other one sorts, and an index probe
 * even on a table without statistics, where a scan would cost the whole table at every start.
 */
import { describe, expect, it } from 'vitest';
import { otherSourcesExist } from '../../src/sink/overlap-queries.js';
import { testBackends, useTestOperations } from '../helpers/db.js';

const backends = await testBackends();

describe.each(backends)('otherSourcesExist on %s', (kind) => {
  const ctx = useTestOperations(kind);

  it('sees another source sorting before or after the run’s, and none in a one-source or empty table', async () => {
    const target = await ctx.db.ensureSchema({ schema: ctx.schema, table: 'sources' });
    const table = `"${target.schema}"."${target.table}"`;
    expect(await otherSourcesExist(ctx.db, target, 'chembl')).toBe(false);
    await ctx.db.query(`INSERT INTO ${table} (source, external_id) VALUES ('chembl', 'CHEMBL1')`);
    expect(await otherSourcesExist(ctx.db, target, 'chembl')).toBe(false);
    await ctx.db.query(`INSERT INTO ${table} (source, external_id) VALUES ('pubchem', '1')`);
    expect(await otherSourcesExist(ctx.db, target, 'chembl')).toBe(true);
    expect(await otherSourcesExist(ctx.db, target, 'pubchem')).toBe(true);
    expect(await otherSourcesExist(ctx.db, target, 'zinc')).toBe(true);
  });

  it('probes the index, not the table, when the table has never been analyzed', async () => {
    const target = await ctx.db.ensureSchema({ schema: ctx.schema, table: 'unanalyzed' });
    const table = `"${target.schema}"."${target.table}"`;
    await ctx.db.query(
      `INSERT INTO ${table} (source, external_id) SELECT 'pubchem', g::text FROM generate_series(1, 5000) g`,
    );
    // The check's own statement, explained instead of run.
    const plans: string[] = [];
    await otherSourcesExist(
      {
        query: async (text, params) => {
          const rows = await ctx.db.query(`EXPLAIN (FORMAT JSON) ${text}`, params);
          plans.push(JSON.stringify(rows));
          return [];
        },
      },
      target,
      'pubchem',
    );
    expect(plans).toHaveLength(1);
    expect(plans[0]).toContain('Index Only Scan');
    expect(plans[0]).not.toContain('Seq Scan');
  });
});
