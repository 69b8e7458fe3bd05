/**
 * Rejects are never overwritten or lost between runs: a default name per run, an existing --rejects
 * file refused, a resumed run appending to its own file, and `molimport runs` naming each run's files.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRejectsBase, RejectsWriter } from '../../src/import/rejects-writer.js';
import type { Reject } from '../../src/types.js';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const FIX = path.resolve(__dirname, '../../fixtures');
// As PubChem: 807 records, of which the first 20 have no CID and no ID on their title line (rejects, `no-id`).
const MIXED = path.join(FIX, 'nasty_sdf/indigo_adv_pka_model_v3000.sdf.gz');
const REJECTED = 20;

/** The molimport_record values of an SDF rejects file, in file order. */
function rejectOrdinals(file: string): number[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^> <molimport_record>\n(\d+)$/gm)].map((m) => Number(m[1]));
}

describe('rejects files between runs', () => {
  let t: CliTarget;
  beforeAll(async () => {
    t = await cliTarget();
  });
  afterAll(async () => {
    await t?.dispose();
  });
  const cli = (args: string[]) => runCli([...args, ...t.args], { env: t.env, cwd: t.cwd });

  it('two runs back to back write two files, each whole, and `runs` names them', async () => {
    const first = parseJsonStats((await cli(['pubchem', MIXED, '--table', 'twice', '--json'])).stdout);
    const second = parseJsonStats((await cli(['pubchem', MIXED, '--table', 'twice', '--json'])).stdout);
    for (const s of [first, second]) {
      expect(s).toMatchObject({ rejected: REJECTED, rejectReasons: { 'no-id': REJECTED } });
      expect(s.rejectsFiles).toHaveLength(1);
      expect(path.basename(s.rejectsFiles[0]!)).toMatch(
        new RegExp(`^molimport-rejects-run${s.runId}-\\d{8}T\\d{6}\\.\\d{3}Z\\.sdf$`),
      );
      expect(rejectOrdinals(s.rejectsFiles[0]!)).toHaveLength(REJECTED);
    }
    expect(second.rejectsFiles[0]).not.toBe(first.rejectsFiles[0]);

    const runs = await cli(['runs', '--json']);
    expect(runs.code, runs.stderr).toBe(0);
    const listed = JSON.parse(runs.stdout) as { runId: number; rejected: number; rejectsFiles: string[] }[];
    for (const s of [first, second]) {
      expect(listed.find((r) => r.runId === s.runId)).toMatchObject({
        rejected: REJECTED,
        rejectsFiles: s.rejectsFiles,
      });
    }
    const table = await cli(['runs']);
    expect(table.stdout).toContain(`run ${second.runId} rejects: ${second.rejectsFiles[0]}`);
  });

  it('refuses a --rejects file that exists (exit 2), writing nothing and leaving the file alone', async () => {
    const existing = path.join(t.cwd, 'earlier-rejects.sdf');
    writeFileSync(existing, 'an earlier run\n');
    const r = await cli(['pubchem', MIXED, '--table', 'refused', '--rejects', existing, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`rejects file ${existing} already exists`);
    expect(readFileSync(existing, 'utf8')).toBe('an earlier run\n');
    const tables = await t.query<{ n: string }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'refused'`,
      [t.schema],
    );
    expect(Number(tables[0]!.n)).toBe(0);
  });

  it('a resumed run appends to the rejects file of the run it resumes: each reject once', async () => {
    // The file twice (a two-member gzip): rejects at records 1-20 and 808-827, so a run stopped
    // early by --max-errors leaves rejects for the resumed run to write.
    const twice = path.join(t.cwd, 'twice.sdf.gz');
    writeFileSync(twice, Buffer.concat([readFileSync(MIXED), readFileSync(MIXED)]));
    const named = path.join(t.cwd, 'resumed-rejects.sdf');
    const stopped = await cli([
      'pubchem',
      twice,
      '--table',
      'resumed',
      '--rejects',
      named,
      '--max-errors',
      '3',
      '--no-adaptive',
      '--batch-size',
      '10',
      '--min-batch-size',
      '10',
      '--workers',
      '1',
      '--json',
    ]);
    expect(stopped.code, stopped.stderr).toBe(3);
    const before = rejectOrdinals(named);
    expect(before.length).toBeGreaterThan(3);
    expect(before.length).toBeLessThan(2 * REJECTED);

    const resumed = await cli([
      'pubchem',
      twice,
      '--table',
      'resumed',
      '--rejects',
      named,
      '--resume',
      '--json',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(parseJsonStats(resumed.stdout)).toMatchObject({ resumed: true, rejectsFiles: [named] });
    const all = rejectOrdinals(named);
    expect(all.slice(0, before.length)).toEqual(before);
    expect(new Set(all).size).toBe(2 * REJECTED);
    expect(all).toHaveLength(2 * REJECTED);

    // The same with the default name: the resumed run continues the first run's file.
    const first = await cli([
      'pubchem',
      twice,
      '--table',
      'resumed_default',
      '--max-errors',
      '3',
      '--no-adaptive',
      '--batch-size',
      '10',
      '--min-batch-size',
      '10',
      '--workers',
      '1',
      '--json',
    ]);
    const firstStats = parseJsonStats(first.stdout);
    const again = parseJsonStats(
      (await cli(['pubchem', twice, '--table', 'resumed_default', '--resume', '--json'])).stdout,
    );
    expect(again.rejectsFiles).toEqual(firstStats.rejectsFiles);
    expect(new Set(rejectOrdinals(firstStats.rejectsFiles[0]!)).size).toBe(2 * REJECTED);
    expect(rejectOrdinals(firstStats.rejectsFiles[0]!)).toHaveLength(2 * REJECTED);
  });
});

describe('RejectsWriter', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-rejects-writer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const reject: Reject = {
    file: 'in.sdf',
    record: 1,
    line: 1,
    format: 'sdf',
    kind: 'no-id',
    reason: 'no ID',
    raw: 'x\n  RDKit\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n',
  };

  it('never overwrites: a default name already taken (same run id and millisecond) gets -2', () => {
    const now = new Date('2026-12-01T22:30:00.123Z');
    const base = defaultRejectsBase(dir, 7, now);
    expect(path.basename(base)).toBe('molimport-rejects-run7-20261201T223000.123Z');
    writeFileSync(`${base}.sdf`, 'taken\n');
    const writer = new RejectsWriter({ base, explicit: false, append: false });
    writer.write(reject);
    writer.close();
    expect(writer.files).toEqual([`${base}-2.sdf`]);
    expect(readFileSync(`${base}.sdf`, 'utf8')).toBe('taken\n');
    expect(existsSync(`${base}-2.sdf`)).toBe(true);
  });

  it('an explicit file that appears after the check is not overwritten either', () => {
    const file = path.join(dir, 'late.sdf');
    const writer = new RejectsWriter({ base: file, explicit: true, append: false });
    writeFileSync(file, 'someone else\n');
    expect(() => writer.write(reject)).toThrow(/not overwritten/);
    expect(readFileSync(file, 'utf8')).toBe('someone else\n');
  });

  it('restores CRLF line endings of a CRLF record', () => {
    const file = path.join(dir, 'crlf.sdf');
    const writer = new RejectsWriter({ base: file, explicit: true, append: false });
    writer.write({ ...reject, crlf: true });
    writer.close();
    const text = readFileSync(file, 'latin1');
    expect(text.startsWith(reject.raw.replace(/\n/g, '\r\n'))).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });
});
