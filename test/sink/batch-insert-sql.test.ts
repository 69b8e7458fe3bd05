/**
 * The SQL of the generic `batchInsert`, built without a database: the exact statement text and its
 * one parameter for each write mode, the defaults taken from the table's shape, the later record
 * of a conflict key winning, and names that are refused before any SQL exists.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import {
  buildBatchInsert,
  readBatchInsertResult,
  tableShapeOf,
  type TableShape,
} from '../../src/sink/batch-insert-sql.js';
import { parseWriteMode } from '../../src/sink/write-mode.js';

const target = { schema: 'chem', table: 'things' };
/** id (primary key), k, v, doc — and "Order", a reserved word in mixed case, legal once quoted. */
const shape: TableShape = { columns: new Set(['id', 'k', 'v', 'doc', 'Order']), primaryKey: ['id'] };
const SOURCE = 'jsonb_populate_recordset(NULL::"chem"."things", $1::text::jsonb)';

describe('buildBatchInsert', () => {
  it('insert: a plain INSERT ... SELECT of the union of the record keys, returning id', () => {
    const s = buildBatchInsert(target, shape, {
      mode: 'insert',
      records: [
        { k: 'a', v: 1 },
        { k: 'b', doc: { x: [1, 2n] } },
      ],
    });
    expect(s.text).toBe(
      `INSERT INTO "chem"."things" AS t ("k", "v", "doc") SELECT "k", "v", "doc" FROM ${SOURCE} RETURNING (t.xmax = 0) AS molimport_inserted, t."id"`,
    );
    // Absent keys are explicit nulls; a bigint travels as its decimal text.
    expect(JSON.parse(s.params[0])).toEqual([
      { k: 'a', v: 1, doc: null },
      { k: 'b', v: null, doc: { x: [1, '2'] } },
    ]);
    expect([s.records, s.duplicates, s.returning]).toEqual([2, 0, ['id']]);
  });

  it('insert keeps every record, duplicates included: the conflict is the database error to report', () => {
    const s = buildBatchInsert(target, shape, { mode: 'insert', records: [{ k: 'a' }, { k: 'a' }] });
    expect(JSON.parse(s.params[0])).toHaveLength(2);
    expect(s.duplicates).toBe(0);
  });

  it('upsert: conflict on the primary key by default, nulls keep the stored value, unchanged rows not rewritten', () => {
    const s = buildBatchInsert(target, shape, { mode: 'upsert', records: [{ id: 1, k: 'a', v: null }] });
    expect(s.text).toBe(
      `INSERT INTO "chem"."things" AS t ("id", "k", "v") SELECT "id", "k", "v" FROM ${SOURCE}` +
        ` ON CONFLICT ("id") DO UPDATE SET "k" = COALESCE(EXCLUDED."k", t."k"), "v" = COALESCE(EXCLUDED."v", t."v")` +
        ` WHERE (t."k", t."v", NULL) IS DISTINCT FROM (COALESCE(EXCLUDED."k", t."k"), COALESCE(EXCLUDED."v", t."v"), NULL)` +
        ` RETURNING (t.xmax = 0) AS molimport_inserted, t."id"`,
    );
  });

  it('replace: overwrites with the incoming values, on the given conflict columns', () => {
    const s = buildBatchInsert(target, shape, {
      mode: 'replace',
      conflictColumns: ['k'],
      records: [{ k: 'a', v: 2 }],
      returning: ['k', 'v'],
    });
    expect(s.text).toBe(
      `INSERT INTO "chem"."things" AS t ("k", "v") SELECT "k", "v" FROM ${SOURCE}` +
        ` ON CONFLICT ("k") DO UPDATE SET "v" = EXCLUDED."v" WHERE (t."v", NULL) IS DISTINCT FROM (EXCLUDED."v", NULL)` +
        ` RETURNING (t.xmax = 0) AS molimport_inserted, t."k", t."v"`,
    );
  });

  it('skip: DO NOTHING with no conflict target unless one is given; also when only key columns are written', () => {
    const any = buildBatchInsert(target, shape, { mode: 'skip', records: [{ k: 'a' }] });
    expect(any.text).toContain(`FROM ${SOURCE} ON CONFLICT DO NOTHING RETURNING`);
    const onK = buildBatchInsert(target, shape, {
      mode: 'skip',
      conflictColumns: ['k'],
      records: [{ k: 'a' }],
    });
    expect(onK.text).toContain(' ON CONFLICT ("k") DO NOTHING RETURNING');
    const keysOnly = buildBatchInsert(target, shape, { mode: 'upsert', records: [{ id: 1 }] });
    expect(keysOnly.text).toContain(' ON CONFLICT ("id") DO NOTHING RETURNING');
  });

  it('keeps the later record of a conflict key and counts the earlier as a duplicate', () => {
    const s = buildBatchInsert(target, shape, {
      mode: 'upsert',
      conflictColumns: ['k'],
      records: [{ k: 'a', v: 1 }, { k: 'b', v: 2 }, { k: 'a', v: 3 }, { v: 4 }, { k: null, v: 5 }],
    });
    // A missing key and a null key are the same key (null) here: the last of them wins.
    expect(JSON.parse(s.params[0])).toEqual([
      { k: 'b', v: 2 },
      { k: 'a', v: 3 },
      { k: null, v: 5 },
    ]);
    expect([s.records, s.duplicates]).toEqual([3, 2]);
  });

  it('quotes legal names that are reserved words or mixed case, and no value enters the text', () => {
    const s = buildBatchInsert(target, shape, {
      mode: 'insert',
      records: [{ Order: "'); DROP TABLE things; --" }],
      returning: ['Order'],
    });
    expect(s.text).toBe(
      `INSERT INTO "chem"."things" AS t ("Order") SELECT "Order" FROM ${SOURCE} RETURNING (t.xmax = 0) AS molimport_inserted, t."Order"`,
    );
    expect(s.params[0]).toContain('DROP TABLE');
  });

  it.each([
    ['a record key', { records: [{ 'k"; DROP TABLE things; --': 1 }] }, /invalid column name/],
    ['a record key with a quote', { records: [{ 'a"b': 1 }] }, /invalid column name/],
    ['a key that is no column', { records: [{ nope: 1 }] }, /table chem\.things has no column "nope"/],
    [
      'a conflict column',
      { records: [{ k: 1 }], conflictColumns: ['k) DO NOTHING; --'] },
      /invalid conflict column/,
    ],
    ['a returning column', { records: [{ k: 1 }], returning: ['*'] }, /invalid returning column/],
    [
      'a returning column that is no column',
      { records: [{ k: 1 }], returning: ['nope'] },
      /has no column "nope"/,
    ],
  ])('refuses %s before building any SQL', (_what, request, message) => {
    expect(() => buildBatchInsert(target, shape, { mode: 'skip', ...request })).toThrow(ConfigurationError);
    expect(() => buildBatchInsert(target, shape, { mode: 'skip', ...request })).toThrow(message);
  });

  it('refuses hostile schema and table names', () => {
    for (const bad of [
      { schema: 'chem"; DROP SCHEMA chem; --', table: 'things' },
      { schema: 'chem', table: 'things x' },
      { schema: 'chem', table: '' },
    ]) {
      expect(() => buildBatchInsert(bad, shape, { mode: 'insert', records: [{ k: 1 }] })).toThrow(
        /letters, digits and underscores/,
      );
    }
  });

  it('needs a conflict target to overwrite: upsert and replace into a table without a primary key', () => {
    const noKey: TableShape = { columns: new Set(['k', 'v']), primaryKey: [] };
    for (const mode of ['upsert', 'replace'] as const) {
      expect(() => buildBatchInsert(target, noKey, { mode, records: [{ k: 1 }] })).toThrow(
        `${mode} into chem.things needs conflictColumns (the table has no primary key)`,
      );
    }
    // Without an id column, nothing is returned but the inserted flag.
    const s = buildBatchInsert(target, noKey, { mode: 'insert', records: [{ k: 1 }] });
    expect(s.text.endsWith('RETURNING (t.xmax = 0) AS molimport_inserted')).toBe(true);
    expect(s.returning).toEqual([]);
  });
});

describe('readBatchInsertResult', () => {
  it('counts inserted (xmax = 0), updated (returned, not inserted) and unchanged (not returned) rows', () => {
    const s = buildBatchInsert(target, shape, {
      mode: 'upsert',
      records: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 3 }],
    });
    const result = readBatchInsertResult(s, [
      { molimport_inserted: true, id: '1' },
      { molimport_inserted: false, id: '3' },
    ]);
    expect(result).toEqual({
      ids: ['1', '3'],
      rows: [{ id: '1' }, { id: '3' }],
      inserted: 1,
      updated: 1,
      unchanged: 1,
      duplicates: 1,
    });
  });
});

describe('tableShapeOf', () => {
  it('reads columns and primary key, and calls a table without columns missing', () => {
    expect(
      tableShapeOf(target, [
        { attname: 'id', pk: true },
        { attname: 'k', pk: false },
      ]),
    ).toEqual({ columns: new Set(['id', 'k']), primaryKey: ['id'] });
    expect(() => tableShapeOf(target, [])).toThrow('table chem.things does not exist');
  });
});

describe('parseWriteMode', () => {
  it('accepts the four modes, defaults undefined, and names what it expected and got', () => {
    for (const mode of ['insert', 'upsert', 'replace', 'skip'] as const)
      expect(parseWriteMode(mode, 'insert')).toBe(mode);
    expect(parseWriteMode(undefined, 'upsert')).toBe('upsert');
    for (const bad of ['UPSERT', 'merge', '', 1, null]) {
      expect(() => parseWriteMode(bad, 'upsert')).toThrow(ConfigurationError);
    }
    expect(() => parseWriteMode('merge', 'upsert')).toThrow(
      'invalid mode "merge": expected insert, upsert, replace, skip',
    );
  });
});
