import { describe, expect, it } from 'vitest';
import type { TableTarget } from '../../src/sink/index.js';
import { RowArena } from '../../src/sink/packed-rows.js';
import { DigestHint, jsonbText, rowDigest, storedDigestSql } from '../../src/sink/row-digest.js';
import type { MoleculeRow } from '../../src/types.js';
import { testBackends, useTestOperations } from '../helpers/db.js';
import { molecule, TRICKY_FIELDS } from './fixtures.js';

const backends = await testBackends('the row digest tests');

/** Rows whose data PostgreSQL stores exactly as sent, so both digests must agree. */
const representable: MoleculeRow[] = [
  molecule('D1'),
  molecule('D2', TRICKY_FIELDS),
  molecule('D3', { molWeight: Number.POSITIVE_INFINITY, formula: null, properties: {} }),
  molecule('D4', {
    molWeight: null,
    name: '',
    // jsonb orders keys by UTF-8 length, then bytes: '\uE000a' before '𝔘' (4 bytes each), which
    // UTF-16 order would reverse.
    properties: {
      zz: 'a',
      é: 'b',
      '𝔘': 'c',
      '\uE000a': 'd',
      a: 'e',
      bb: 'f',
      molimport_warnings: ['w1', 'w"2'],
    },
    stdSmiles: 'C',
    parentInchikey: 'K',
  }),
  molecule('D5', { molWeight: 180.15900000000002, properties: { n: [] as unknown as string } }),
];

describe('row digest (in memory)', () => {
  it('prints jsonb the way PostgreSQL does, and gives up on what is not plain JSON data', () => {
    expect(jsonbText({ bb: '1', a: ['x', 'y'], c: { z: null, é: true } })).toBe(
      '{"a": ["x", "y"], "c": {"z": null, "é": true}, "bb": "1"}',
    );
    expect(jsonbText({})).toBe('{}');
    expect(jsonbText({ d: new Date(0) })).toBeUndefined();
    expect(jsonbText({ n: Number.NaN })).toBeUndefined();
    expect(jsonbText({ u: undefined, k: 'v' })).toBe('{"k": "v"}');
  });

  it('prints each of many alternating key lists in its own order (more lists than it keeps)', () => {
    const lists = Array.from({ length: 40 }, (_, i) =>
      Object.fromEntries(
        Array.from({ length: 1 + (i % 7) }, (_, k) => [
          `k${'x'.repeat((i * 3 + k) % 5)}${k}_${i}`,
          String(k),
        ]),
      ),
    );
    const expected = (o: Record<string, string>) =>
      `{${Object.keys(o)
        .sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
        .map((k) => `"${k}": "${o[k] as string}"`)
        .join(', ')}}`;
    for (let round = 0; round < 3; round++)
      for (const o of [...lists, ...lists.slice().reverse()]) expect(jsonbText(o)).toBe(expected(o));
  });

  it('differs when any one data field differs, null and empty string included', () => {
    const base = molecule('X', { stdSmiles: null });
    const variants: Partial<MoleculeRow>[] = [
      { name: null },
      { name: '' },
      { smiles: 'CCN' },
      { inchi: null },
      { inchikey: 'other' },
      { formula: '' },
      { molWeight: null },
      { molWeight: 46.07 + 1e-13 },
      { molfile: `${base.molfile}\n` },
      { properties: { ...base.properties, extra: '' } },
      { properties: { ...base.properties, zero_padded: '7' } },
      { stdSmiles: '' },
      { stdInchikey: 'k' },
      { parentSmiles: 'C' },
      { parentInchikey: 'k' },
      // A value moving from one field to its neighbour must not give the same string.
      { name: 'name of XC', smiles: 'CO' },
    ];
    const digest = rowDigest(base);
    for (const v of variants) expect(rowDigest({ ...base, ...v }), JSON.stringify(v)).not.toBe(digest);
    expect(rowDigest({ ...base })).toBe(digest);
  });
});

describe('digest hint', () => {
  it('stops trying after a batch where most rows differ, for 4, 8, … 64 batches, and resets on a match', () => {
    const hint = new DigestHint();
    const tries = (n: number) => Array.from({ length: n }, () => hint.shouldTry());
    expect(tries(3)).toEqual([true, true, true]);
    hint.record(0, 0); // nothing stored of another run: no evidence
    expect(hint.shouldTry()).toBe(true);
    hint.record(10, 4);
    expect(tries(5)).toEqual([false, false, false, false, true]);
    hint.record(10, 0);
    expect(tries(9)).toEqual([...Array<boolean>(8).fill(false), true]);
    for (let i = 0; i < 5; i++) {
      hint.record(10, 0);
      while (!hint.shouldTry());
    }
    hint.record(10, 0);
    expect(tries(65)).toEqual([...Array<boolean>(64).fill(false), true]);
    hint.record(10, 5);
    expect(tries(2)).toEqual([true, true]);
    hint.record(10, 0);
    expect(tries(5)).toEqual([false, false, false, false, true]);
  });
});

describe.each(backends)('row digest on %s', (kind) => {
  const ctx = useTestOperations(kind);
  let n = 0;
  async function freshTable(): Promise<TableTarget> {
    return ctx.db.ensureSchema({ schema: ctx.schema, table: `digest_${++n}` });
  }

  it('equals the digest PostgreSQL computes from the stored row', async () => {
    const target = await freshTable();
    await ctx.db.writeMolecules({ target, rows: representable, runId: null });
    const stored = await ctx.db.query<{ external_id: string; digest: string }>(
      `SELECT external_id, ${storedDigestSql('t')} AS digest FROM "${target.schema}"."${target.table}" t ORDER BY external_id`,
    );
    expect(stored.map((r) => r.digest)).toEqual(representable.map((r) => rowDigest(r)));
    expect(stored.every((r) => /^[0-9a-f]{64}$/.test(r.digest))).toBe(true);
    // A packed row's digest is a hash of its bytes as they are: the same bytes PostgreSQL rebuilds.
    const arena = new RowArena();
    expect(stored.map((r) => r.digest)).toEqual(representable.map((r) => rowDigest(arena.pack(r, ''))));
  });

  it("equals PostgreSQL's for packed rows written as they are, escapes and key order included", async () => {
    const target = await freshTable();
    const arena = new RowArena();
    const rows = [
      molecule('P1', {
        properties: { zz: 'a', é: 'b', '𝔘': 'c', '\uE000a': 'd', a: '', bb: 'x"y\\z\u0001\u007f\u2028' },
      }),
      molecule('P2', TRICKY_FIELDS),
      molecule('P3', { properties: { '1': 'numeric key', __proto__x: 'v', ['__proto__']: 'own' } }),
    ].map((r) => arena.pack(r, ''));
    await ctx.db.writeMolecules({ target, rows, runId: null });
    const stored = await ctx.db.query<{ digest: string }>(
      `SELECT ${storedDigestSql('t')} AS digest FROM "${target.schema}"."${target.table}" t ORDER BY external_id`,
    );
    expect(stored.map((r) => r.digest)).toEqual(rows.map((r) => r.digest()));
    expect(rows.every((r) => r.digest() !== undefined)).toBe(true);
  });

  it('settles an unchanged re-import by key without staging, and stages only the changed rows', async () => {
    const target = await freshTable();
    await ctx.db.writeMolecules({ target, rows: representable, runId: null });
    const staged = async (rows: MoleculeRow[], mode: 'upsert' | 'replace' | 'skip') =>
      ctx.db.transaction(async (tx) => {
        const result = await ctx.db.writeMolecules({ tx, target, rows, mode, runId: null });
        const exists = await tx.query<{ e: boolean }>(
          `SELECT to_regclass('pg_temp.molimport_stage') IS NOT NULL AS e`,
        );
        const count = exists.rows[0]?.e
          ? Number(
              (await tx.query<{ c: string }>('SELECT count(*) AS c FROM pg_temp.molimport_stage')).rows[0]?.c,
            )
          : 0;
        return { statuses: result.statuses, count };
      });
    for (const mode of ['upsert', 'replace', 'skip'] as const) {
      expect(await staged(representable, mode)).toEqual({
        statuses: representable.map(() => 'unchanged'),
        count: 0,
      });
    }
    // One changed row (and one new) are staged; the unchanged ones are not.
    const changed = [
      ...representable.slice(0, 4),
      { ...(representable[4] as MoleculeRow), name: 'changed' },
      molecule('D6'),
    ];
    expect(await staged(changed, 'upsert')).toEqual({
      statuses: ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'updated', 'inserted'],
      count: 2,
    });
  });

  it('stages rows merged from another source after a batch of them missed, and still calls them unchanged', async () => {
    const target = await freshTable();
    const rows = [molecule('M1'), molecule('M2'), molecule('M3')];
    await ctx.db.writeMolecules({ target, rows, runId: null });
    // Another source added a property: the stored rows hold more than the records, so the merge
    // leaves them as they are, but their digests differ.
    await ctx.db.query(
      `UPDATE "${target.schema}"."${target.table}" SET properties = properties || '{"OTHER": "x"}'`,
    );
    const hint = new DigestHint();
    const write = (batch: MoleculeRow[]) =>
      ctx.db.transaction(async (tx) => {
        const result = await ctx.db.writeMolecules({
          tx,
          target,
          rows: batch,
          runId: null,
          digestHint: hint,
        });
        const c = await tx.query<{ c: string }>('SELECT count(*) AS c FROM pg_temp.molimport_stage');
        return { statuses: result.statuses, staged: Number(c.rows[0]?.c) };
      });
    const unchanged = rows.map(() => 'unchanged');
    expect(await write(rows)).toEqual({ statuses: unchanged, staged: 3 });
    expect(hint.shouldTry()).toBe(false); // the miss was recorded: the next batches skip the digest
  });

  it('reports a change in any one column as updated after the key probe', async () => {
    const target = await freshTable();
    const base = molecule('C', {
      stdSmiles: 'S',
      stdInchikey: 'SK',
      parentSmiles: 'P',
      parentInchikey: 'PK',
    });
    await ctx.db.writeMolecules({ target, rows: [base], runId: null });
    const changes: Partial<MoleculeRow>[] = [
      { name: 'n2' },
      { smiles: 'CCN' },
      { inchi: 'i2' },
      { inchikey: 'k2' },
      { formula: 'f2' },
      { molWeight: 1.5 },
      { molfile: 'm2' },
      { properties: { ...base.properties, zero_padded: '7' } },
      { stdSmiles: 's2' },
      { stdInchikey: 'sk2' },
      { parentSmiles: 'p2' },
      { parentInchikey: 'pk2' },
    ];
    let current = base;
    for (const change of changes) {
      current = { ...current, ...change };
      const result = await ctx.db.writeMolecules({ target, rows: [current], mode: 'upsert', runId: null });
      expect(result.statuses, JSON.stringify(change)).toEqual(['updated']);
      const again = await ctx.db.writeMolecules({ target, rows: [current], mode: 'upsert', runId: null });
      expect(again.statuses, JSON.stringify(change)).toEqual(['unchanged']);
    }
  });
});
