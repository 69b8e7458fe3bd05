/**
 * Reasons as data: every reject is counted under the class of its reason in `rejectReasons`, the
 * final table names the top classes, and a completed run with more than 10 % rejects says so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const FIX = path.resolve(__dirname, '../../fixtures');
const CHEMBL = path.join(FIX, 'samples/chembl_dump_head_200.sdf.gz');
// 7 records whose title is not an ID and 1 garbage record without a counts line.
const GARBAGE_TAIL = path.join(FIX, 'nasty_sdf/sdf-parser_test2_utf8_garbage_tail.sdf');

describe('reject reasons', () => {
  let t: CliTarget;
  beforeAll(async () => {
    t = await cliTarget();
  });
  afterAll(async () => {
    await t?.dispose();
  });
  const cli = (args: string[]) => runCli([...args, ...t.args], { env: t.env, cwd: t.cwd });

  it('parse and no-id, in the JSON and the table, with the high-share warning', async () => {
    const json = parseJsonStats((await cli(['chembl', GARBAGE_TAIL, '--table', 'garbage', '--json'])).stdout);
    expect(json).toMatchObject({ status: 'completed', exitCode: 0, rejected: 8 });
    expect(json.rejectReasons).toEqual({ 'no-id': 7, parse: 1 });
    // Most frequent first.
    expect(Object.keys(json.rejectReasons)).toEqual(['no-id', 'parse']);

    const table = await cli(['chembl', GARBAGE_TAIL, '--table', 'garbage']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^rejects: 8 \(no-id 7, parse 1\) written to .*\.sdf$/m);
    expect(table.stdout).toMatch(/^warning: 100\.0 % of the records read were rejected/m);
  });

  it('no warning line at 10 % or less', async () => {
    const r = await cli(['chembl', CHEMBL, '--table', 'clean']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^warning:/m);
    expect(r.stdout).not.toMatch(/^rejects:/m);
  });

  it('duplicate-key under --mode insert, db-refused for a row PostgreSQL refuses', async () => {
    await cli(['chembl', CHEMBL, '--table', 'keys', '--json']);
    const rejects = path.join(t.cwd, 'keys.rejects.sdf');
    const again = parseJsonStats(
      (await cli(['chembl', CHEMBL, '--table', 'keys', '--mode', 'insert', '--rejects', rejects, '--json']))
        .stdout,
    );
    expect(again).toMatchObject({ rejected: 200, rejectReasons: { 'duplicate-key': 200 } });
    // Each refused row's reject is its record as read (rows wait for their batch packed as bytes:
    // src/sink/packed-rows.ts), with only molimport's own fields added.
    const input = gunzipSync(readFileSync(CHEMBL))
      .toString('utf8')
      .split(/^\$\$\$\$\n/m)
      .slice(0, -1);
    const written = readFileSync(rejects, 'utf8')
      .split(/^\$\$\$\$\n/m)
      .slice(0, -1)
      .map((r) => r.replace(/^> +<molimport_[^>]*>\n(?:.+\n)*\n/gm, ''));
    expect(written).toHaveLength(200);
    expect(written).toEqual(input);

    // An ID too long for the unique index (PostgreSQL: index row size exceeds the maximum).
    let seed = 7;
    const noise = Array.from({ length: 9_000 }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return String.fromCharCode(65 + (seed % 26));
    }).join('');
    const csv = path.join(t.cwd, 'long-id.csv');
    writeFileSync(csv, `chembl_id,canonical_smiles\nCHEMBL1,CCO\nCHEMBL${noise},CCN\n`);
    const refused = parseJsonStats((await cli(['chembl', csv, '--table', 'long_id', '--json'])).stdout);
    expect(refused).toMatchObject({ read: 2, inserted: 1, rejected: 1, rejectReasons: { 'db-refused': 1 } });
  });
});
