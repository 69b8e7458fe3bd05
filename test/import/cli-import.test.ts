/**
 * The command end to end, in-process: each sample kind into a fresh schema, values checked in the
 * database against the files' own text, re-import, --json, exit codes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { testBackends } from '../helpers/db.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const FIX = path.resolve(__dirname, '../../fixtures');
const CHEMBL_SDF = path.join(FIX, 'samples/chembl_dump_head_200.sdf.gz');
const PUBCHEM_SDF = path.join(FIX, 'samples/pubchem_compound_head_245.sdf.gz');
const CHEMREPS = path.join(FIX, 'chembl_tabular/kffl_chembl_25_chemreps_top100.txt');
const PUBCHEM_CSV = path.join(FIX, 'pubchem_tabular/teachopencadd_FrozenPubchemQuery_Project1.csv');
const GARBAGE_TAIL = path.join(FIX, 'nasty_sdf/sdf-parser_test2_utf8_garbage_tail.sdf');

/** The value of a data field in an SDF text, read independently of the parser under test. */
function sdfFieldValues(text: string, field: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^>.*<${field}>.*\\n(.*)$`, 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!.replace(/\r$/, ''));
  return out;
}

// The same suite against the real PostgreSQL (when reachable) and the embedded default.
const backends = await testBackends('the CLI import tests');

describe.each(backends)('molimport on %s', (backend) => {
  let t: CliTarget;
  beforeAll(async () => {
    t = await cliTarget(backend);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const table = (name = 'molecules') => `"${t.schema}"."${name}"`;

  // Each test writes to a table of its own: they may run in any order.
  describe('molimport <source> <files>: imports each sample kind', () => {
    it('ChEMBL SDF.gz: 200 rows, IDs from chembl_id, molfile kept', async () => {
      const r = await runCli(['chembl', CHEMBL_SDF, ...t.args, '--table', 'chembl_sdf', '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(r.code, r.stderr).toBe(0);
      const stats = parseJsonStats(r.stdout);
      expect(stats).toMatchObject({
        status: 'completed',
        exitCode: 0,
        read: 200,
        inserted: 200,
        rejected: 0,
        source: 'chembl',
      });
      const text = gunzipSync(readFileSync(CHEMBL_SDF)).toString('utf8');
      const ids = sdfFieldValues(text, 'chembl_id');
      expect(ids).toHaveLength(200);
      const rows = await t.query<{ external_id: string; molfile: string }>(
        `SELECT external_id, molfile FROM ${table('chembl_sdf')} WHERE source = 'chembl' ORDER BY source_record`,
      );
      expect(rows.map((r) => r.external_id)).toEqual(ids);
      expect(rows[0]!.molfile.startsWith('CHEMBL153534\n')).toBe(true);
      expect(rows[0]!.molfile.trimEnd().endsWith('M  END')).toBe(true);
    });

    it('re-importing the same file adds no rows and reports them unchanged', async () => {
      const args = ['chembl', CHEMBL_SDF, ...t.args, '--table', 'reimport', '--json'];
      const first = await runCli(args, { env: t.env, cwd: t.cwd });
      expect(parseJsonStats(first.stdout)).toMatchObject({ read: 200, inserted: 200 });
      const r = await runCli(args, { env: t.env, cwd: t.cwd });
      expect(r.code, r.stderr).toBe(0);
      const stats = parseJsonStats(r.stdout);
      expect(stats).toMatchObject({ read: 200, inserted: 0, updated: 0, unchanged: 200 });
      const n = (
        await t.query<{ n: string }>(`SELECT count(*) AS n FROM ${table('reimport')} WHERE source = 'chembl'`)
      )[0]?.n;
      expect(Number(n)).toBe(200);
    });

    it('PubChem SDF.gz: CIDs, InChIKey and properties verbatim', async () => {
      const r = await runCli(['pubchem', PUBCHEM_SDF, ...t.args, '--table', 'pubchem_sdf', '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(r.code, r.stderr).toBe(0);
      const stats = parseJsonStats(r.stdout);
      const text = gunzipSync(readFileSync(PUBCHEM_SDF)).toString('utf8');
      const cids = sdfFieldValues(text, 'PUBCHEM_COMPOUND_CID');
      const keys = sdfFieldValues(text, 'PUBCHEM_IUPAC_INCHIKEY');
      const complexity = sdfFieldValues(text, 'PUBCHEM_CACTVS_COMPLEXITY');
      expect(stats.read).toBe(cids.length);
      expect(stats.inserted + stats.rejected + stats.duplicates).toBe(cids.length);
      const rows = await t.query<{
        external_id: string;
        inchikey: string | null;
        properties: Record<string, string>;
      }>(
        `SELECT external_id, inchikey, properties FROM ${table('pubchem_sdf')} WHERE source = 'pubchem' ORDER BY source_record`,
      );
      expect(rows.length).toBe(stats.inserted);
      const first = rows[0]!;
      expect(first.external_id).toBe(cids[0]);
      expect(first.inchikey).toBe(keys[0]);
      expect(first.properties.PUBCHEM_CACTVS_COMPLEXITY).toBe(complexity[0]);
      expect(typeof first.properties.PUBCHEM_CACTVS_COMPLEXITY).toBe('string');
    });

    it('ChEMBL chemreps TSV: SMILES, InChI and InChIKey columns mapped', async () => {
      const r = await runCli(['chembl', CHEMREPS, ...t.args, '--table', 'chemreps', '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(r.code, r.stderr).toBe(0);
      const stats = parseJsonStats(r.stdout);
      const lines = readFileSync(CHEMREPS, 'utf8').trim().split('\n');
      expect(stats).toMatchObject({ read: lines.length - 1, inserted: lines.length - 1, rejected: 0 });
      const [id, smiles, inchi, key] = lines[1]!.split('\t');
      const [row] = await t.query<{
        smiles: string;
        inchi: string;
        inchikey: string;
        molfile: string | null;
      }>(
        `SELECT smiles, inchi, inchikey, molfile FROM ${table('chemreps')} WHERE source = 'chembl' AND external_id = $1`,
        [id],
      );
      expect(row).toEqual({ smiles, inchi, inchikey: key, molfile: null });
    });

    it('PubChem CSV download: CID and CanonicalSMILES', async () => {
      const r = await runCli(['pubchem', PUBCHEM_CSV, ...t.args, '--table', 'pubchem_csv', '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(r.code, r.stderr).toBe(0);
      const stats = parseJsonStats(r.stdout);
      const lines = readFileSync(PUBCHEM_CSV, 'utf8').trim().split(/\r?\n/);
      expect(stats).toMatchObject({ read: lines.length - 1, inserted: lines.length - 1 });
      const [cid, smiles] = lines[1]!.split(',');
      const [row] = await t.query<{ smiles: string }>(
        `SELECT smiles FROM ${table('pubchem_csv')} WHERE external_id = $1`,
        [cid],
      );
      expect(row?.smiles).toBe(smiles);
    });

    it('--json: counts add up, match the database and carry per-file figures', async () => {
      const r = await runCli(['pubchem', PUBCHEM_SDF, ...t.args, '--table', 'json_check', '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      const s = parseJsonStats(r.stdout);
      expect(s.read).toBe(s.inserted + s.updated + s.unchanged + s.duplicates + s.rejected + s.skipped);
      const n = (await t.query<{ n: string }>(`SELECT count(*) AS n FROM ${table('json_check')}`))[0]?.n;
      expect(Number(n)).toBe(s.inserted);
      expect(s.database).not.toMatch(/password/);
      expect(s.files).toHaveLength(1);
      expect(s.files[0]).toMatchObject({ path: PUBCHEM_SDF, format: 'sdf', compressed: true, read: s.read });
      expect(s.batchSize.min).toBeGreaterThan(0);
      expect(typeof s.runId).toBe('number');
      for (const key of [
        'status',
        'exitCode',
        'runId',
        'source',
        'database',
        'table',
        'mode',
        'read',
        'inserted',
        'updated',
        'unchanged',
        'duplicates',
        'rejected',
        'skipped',
        'batches',
        'batchSize',
        'durationMs',
        'moleculesPerSecond',
        'peakRssBytes',
        'rejectsFile',
        'files',
      ]) {
        expect(s).toHaveProperty(key);
      }
    });

    it('the stats table goes to stdout when --json is not given', async () => {
      const r = await runCli(['chembl', CHEMBL_SDF, ...t.args, '--table', 'stats_table'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/read.*inserted.*updated.*unchanged/s);
      expect(r.stdout).toMatch(/chembl_dump_head_200\.sdf\.gz/);
      expect(r.stdout).toMatch(/status: completed/);
      // Without a TTY the progress is log lines (JSON) on stderr, never bars.
      const firstLog = r.stderr.split('\n').find((l) => l.startsWith('{'));
      expect(firstLog && JSON.parse(firstLog)).toHaveProperty('level');
    });

    it('molimport runs lists the runs, as a table and as JSON', async () => {
      // Runs of its own: other tests of this file (in any order) add runs, some of them failed.
      const made: { runId: number | null; status: string; source: string; read: number }[] = [];
      for (const [source, file] of [
        ['chembl', CHEMBL_SDF],
        ['pubchem', PUBCHEM_SDF],
      ] as const) {
        const run = await runCli([source, file, ...t.args, '--table', 'listed', '--json'], {
          env: t.env,
          cwd: t.cwd,
        });
        expect(run.code, run.stderr).toBe(0);
        const stats = parseJsonStats(run.stdout);
        made.push({ runId: stats.runId, status: 'completed', source, read: stats.read });
      }
      const r = await runCli(['runs', ...t.args, '--json'], { env: t.env, cwd: t.cwd });
      expect(r.code, r.stderr).toBe(0);
      const runs = JSON.parse(r.stdout) as { runId: number; status: string; source: string; read: number }[];
      // Newest first.
      expect(runs.filter((x) => made.some((m) => m.runId === x.runId))).toEqual(
        made.reverse().map((m): unknown => expect.objectContaining(m)),
      );
      const table = await runCli(['runs', ...t.args], { env: t.env, cwd: t.cwd });
      expect(table.stdout).toMatch(/completed/);
    });
  });

  describe('exit codes', () => {
    it('1 for a missing file, naming it', async () => {
      const r = await runCli(['chembl', '/nonexistent/chembl.sdf.gz', ...t.args, '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(r.code).toBe(1);
      const s = parseJsonStats(r.stdout);
      expect(s.status).toBe('failed');
      expect(s.error).toMatch(/cannot read \/nonexistent\/chembl\.sdf\.gz: no such file/);
    });

    it('2 for a bad option value, saying what was expected', async () => {
      const r = await runCli(['chembl', CHEMBL_SDF, '--workers', 'many'], { env: t.env, cwd: t.cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/expected an integer from 1 to 64, got 'many'/);
      const unknown = await runCli(['chembl', CHEMBL_SDF, '--mode', 'merge'], { env: t.env, cwd: t.cwd });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/upsert, replace, skip, insert/);
      const source = await runCli(['chemspider', CHEMBL_SDF], { env: t.env, cwd: t.cwd });
      expect(source.code).toBe(2);
    });

    it('2 with one JSON object on stdout when --json is given', async () => {
      const r = await runCli(['chembl', CHEMBL_SDF, '--batch-size', '0', '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(r.code).toBe(2);
      expect(parseJsonStats(r.stdout)).toMatchObject({ status: 'failed', exitCode: 2 });
    });

    it('3 when --max-errors is exceeded; the good records are still written', async () => {
      const rejects = path.join(t.cwd, 'garbage.rejects.sdf');
      const r = await runCli(
        [
          'generic',
          GARBAGE_TAIL,
          ...t.args,
          '--table',
          'garbage',
          '--max-errors',
          '0',
          '--rejects',
          rejects,
          '--json',
        ],
        { env: t.env, cwd: t.cwd },
      );
      expect(r.code).toBe(3);
      const s = parseJsonStats(r.stdout);
      expect(s).toMatchObject({
        status: 'failed',
        exitCode: 3,
        rejected: 1,
        errorCode: 'MOLIMPORT_ERROR_LIMIT',
      });
      expect(s.rejectsFile).toBe(rejects);
      const rejected = readFileSync(rejects, 'utf8');
      expect(rejected).toMatch(/> <molimport_reason>\nno counts line/);
      const n = (await t.query<{ n: string }>(`SELECT count(*) AS n FROM ${table('garbage')}`))[0]?.n;
      expect(Number(n)).toBe(s.inserted);
      expect(s.inserted).toBe(7);
    });

    it('3 when --max-error-rate is exceeded', async () => {
      const r = await runCli(
        ['generic', GARBAGE_TAIL, ...t.args, '--table', 'rate', '--max-error-rate', '0.05', '--json'],
        { env: t.env, cwd: t.cwd },
      );
      expect(r.code).toBe(3);
      const s = parseJsonStats(r.stdout);
      expect(s.error).toMatch(/1 of 8 records rejected \(12\.50%\), more than --max-error-rate 0\.05/);
      const ok = await runCli(
        ['generic', GARBAGE_TAIL, ...t.args, '--table', 'rate', '--max-error-rate', '0.2', '--json'],
        { env: t.env, cwd: t.cwd },
      );
      expect(ok.code).toBe(0);
    });

    it('0 and help text with examples for --help', async () => {
      const r = await runCli(['--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples:/);
      expect(r.stdout).toMatch(/molimport chembl chembl_35\.sdf\.gz/);
    });
  });
});
