/**
 * Issue 15, item 14: PostgreSQL's own schemas are refused as targets; a directory (or unreadable
 * path) as input is a named MOLIMPORT_INPUT error, not MOLIMPORT_INTERNAL with errno text; an
 * unbalanced quote at the end of a CSV keeps the good rows before it, and one mid-file says in its
 * reject where the quote opened.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { readCsvRecords } from '../../src/parse/csv-records.js';
import type { CsvRecord } from '../../src/types.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';

const PUBCHEM_SDF = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'molimport-refuse-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pgUp = await realPostgresReachable();

describe.runIf(pgUp)('system schemas', () => {
  it.each(['information_schema', 'pg_catalog', 'pg_toast'])('--schema %s is refused', async (schema) => {
    const r = await runCli([
      'pubchem',
      PUBCHEM_SDF,
      '--db',
      testDatabaseUrl(),
      '--schema',
      schema,
      '--create-schema',
      '--json',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`${schema}.*PostgreSQL system schema`));
  });
});

describe('unreadable inputs', () => {
  it('a directory is a named input error', async () => {
    const d = path.join(dir, 'a-directory');
    mkdirSync(d);
    // With a database: the resume fingerprint used to read it raw (MOLIMPORT_INTERNAL, EISDIR).
    const db = pgUp
      ? ['--db', testDatabaseUrl(), '--schema', 'molimport_refusals_unused', '--create-schema']
      : ['--dry-run'];
    const r = await runCli(['pubchem', d, ...db, '--json']);
    expect(r.code).toBe(1);
    const s = parseJsonStats(r.stdout);
    expect(s.errorCode).toBe('MOLIMPORT_INPUT_DIRECTORY');
    expect(s.error).toBe(
      `${d}: is a directory, not a file; name the files in it (e.g. '${d}/*.sdf.gz', quoted)`,
    );
  });
});

async function collect(text: string): Promise<{ records: CsvRecord[]; error: unknown }> {
  const records: CsvRecord[] = [];
  try {
    for await (const r of readCsvRecords([text], 'quotes.csv')) records.push(r);
    return { records, error: undefined };
  } catch (error) {
    return { records, error };
  }
}

describe('unbalanced quotes in CSV', () => {
  it('at the end: the complete rows before it are read, then a ParseError names the line', async () => {
    const { records, error } = await collect('id,smiles\n1,CCO\n2,CCN\n3,CCC\n4,"C(=O\n');
    expect(records.map((r) => r.fields.get('id'))).toEqual(['1', '2', '3']);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).line).toBe(5);
    expect((error as Error).message).toMatch(/quoted field opened on line 5 is never closed/);
  });

  it('mid-file: the rows up to the next quote are one reject whose reason says where the quote opened', async () => {
    const { records, error } = await collect('id,smiles\n1,CCO\n2,"CCN\n3,CCC\n4,C",x\n5,CCCC\n');
    expect(error).toBeUndefined();
    expect(records.map((r) => r.line)).toEqual([2, 3, 6]);
    expect(records[1]?.problem).toMatch(/a quoted field opened on line 3 runs over 3 lines/);
  });

  it('the import keeps the good rows of a small file ending in an open quote', async () => {
    const file = path.join(dir, 'open-quote.csv');
    writeFileSync(file, 'cid,smiles\n1,CCO\n2,CCN\n3,CCC\n4,"C(=O\n');
    const r = await runCli(['pubchem', file, '--dry-run', '--json']);
    expect(r.code).toBe(1);
    const s = parseJsonStats(r.stdout);
    expect(s.errorCode).toBe('MOLIMPORT_PARSE');
    expect(s.read).toBe(3);
  });
});
