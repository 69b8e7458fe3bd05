/**
 * Input paths (issue 15, item 8): a path that exists as written is taken literally, an absolute
 * glob gives absolute paths, and runs store absolute paths, so a resume from another directory
 * with the same absolute glob continues the run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandFiles } from '../../src/cli/expand-files.js';
import { pubchemWithBrokenRecords } from '../helpers/broken-records.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'molimport-globs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('expanding file arguments', () => {
  it('a path that exists as written is literal, even with glob characters', async () => {
    writeFileSync(path.join(dir, 'data[1].sdf'), '');
    writeFileSync(path.join(dir, 'data1.sdf'), '');
    expect(await expandFiles(['data[1].sdf'], dir)).toEqual(['data[1].sdf']);
    // Not existing as written, it is a glob.
    expect(await expandFiles(['data[12].sdf'], dir)).toEqual(['data1.sdf']);
  });

  it('an absolute glob gives absolute paths, wherever the working directory is', async () => {
    const sub = path.join(dir, 'abs');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'a.sdf'), '');
    writeFileSync(path.join(sub, 'b.sdf'), '');
    const expected = [path.join(sub, 'a.sdf'), path.join(sub, 'b.sdf')];
    expect(await expandFiles([path.join(sub, '*.sdf')], dir)).toEqual(expected);
    expect(await expandFiles([path.join(sub, '*.sdf')], tmpdir())).toEqual(expected);
  });
});

const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: the resume-from-elsewhere test is NOT run');

describe.runIf(pgUp)('resuming from another directory', () => {
  it('the same absolute glob from another working directory resumes the run', async () => {
    const url = testDatabaseUrl();
    const schema = randomSchemaName();
    const inputs = path.join(dir, 'inputs');
    const here = path.join(dir, 'here');
    const there = path.join(dir, 'there');
    for (const d of [inputs, here, there]) mkdirSync(d, { recursive: true });
    pubchemWithBrokenRecords(300, 100, path.join(inputs, 'part.sdf'));
    const args = [
      'pubchem',
      path.join(inputs, '*.sdf'),
      '--db',
      url,
      '--schema',
      schema,
      '--create-schema',
      '--json',
    ];
    try {
      // Stopped by the error limit at the first reject: an unfinished run.
      const first = await runCli([...args, '--max-errors', '0', '--batch-size', '50', '--no-adaptive'], {
        cwd: here,
      });
      expect(first.code, first.stdout).toBe(3);
      const r = await runCli([...args, '--resume'], { cwd: there });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const s = parseJsonStats(r.stdout);
      expect(s.resumed).toBe(true);
      expect(s.skipped).toBeGreaterThan(0);
    } finally {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  });
});
