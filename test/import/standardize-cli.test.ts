/**
 * `--standardize`, `--reject-on` and `overlap --by` end to end through the command, and a table
 * created before the std_/parent_ columns existed getting them.
 */
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';

let t: CliTarget;
beforeAll(async () => {
  t = await cliTarget();
});
afterAll(async () => {
  await t?.dispose();
});

const CSV = ['id,smiles', 'a1,CC[NH+](C)C.[Cl-]', 'a2,CCN(C)C', 'a3,CS(=O)C.O', ''].join('\n');

describe('--standardize through the command', () => {
  it('fills std_ and parent_ columns, records what changed, and overlap --by parent meets salt and base', async () => {
    const file = path.join(t.cwd, 'salts.csv');
    writeFileSync(file, CSV);
    const r = await runCli(
      [
        'generic',
        file,
        ...t.args,
        '--table',
        'std',
        '--id-field',
        'id',
        '--standardize',
        '--compute',
        'inchikey',
        '--json',
      ],
      { env: t.env, cwd: t.cwd },
    );
    expect(r.code, r.stderr.slice(-1000)).toBe(0);
    const s = parseJsonStats(r.stdout);
    expect(s).toMatchObject({ read: 3, inserted: 3 });
    expect(s.chemistry?.rdkitVersion).toMatch(/^\d{4}\.\d\d/);
    const rows = await t.query<Record<string, unknown>>(
      `SELECT external_id, smiles, std_smiles, parent_smiles, parent_inchikey, properties
         FROM "${t.schema}".std ORDER BY external_id`,
    );
    expect(rows.map((x) => [x.external_id, x.smiles, x.std_smiles, x.parent_smiles])).toEqual([
      ['a1', 'CC[NH+](C)C.[Cl-]', 'CCN(C)C.Cl', 'CCN(C)C'],
      ['a2', 'CCN(C)C', 'CCN(C)C', 'CCN(C)C'],
      ['a3', 'CS(=O)C.O', 'C[S+](C)[O-].O', 'C[S+](C)[O-]'],
    ]);
    expect(rows[0]!.parent_inchikey).toBe(rows[1]!.parent_inchikey);
    expect((rows[0]!.properties as Record<string, unknown>).molimport_standardized).toEqual([
      'uncharge',
      'parent: salt: Chloride',
    ]);

    // The same free base under another source: it meets the hydrochloride at the parent level only.
    const other = path.join(t.cwd, 'base.csv');
    writeFileSync(other, 'id,smiles\nb1,CCN(C)C\n');
    const r2 = await runCli(
      [
        'chembl',
        other,
        ...t.args,
        '--table',
        'std',
        '--id-field',
        'id',
        '--standardize',
        '--compute',
        'inchikey',
        '--json',
      ],
      { env: t.env, cwd: t.cwd },
    );
    expect(r2.code, r2.stderr.slice(-1000)).toBe(0);
    const by = async (level: string) => {
      const o = await runCli(['overlap', ...t.args, '--table', 'std', '--by', level, '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(o.code, o.stderr).toBe(0);
      const report = JSON.parse(o.stdout) as { pairs: { a: string; b: string; shared: number }[] };
      return report.pairs.find((p) => p.a === 'generic')?.shared;
    };
    expect(await by('inchikey')).toBe(1); // a2 only
    expect(await by('parent')).toBe(2); // a1 and a2
    const bad = await runCli(['overlap', ...t.args, '--table', 'std', '--by', 'smiles'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(bad.code).toBe(2);
  });

  it('--reject-on needs --validate, and refuses unknown kinds, as usage errors', async () => {
    const file = path.join(t.cwd, 'salts2.csv');
    writeFileSync(file, CSV);
    const noValidate = await runCli(['generic', file, '--id-field', 'id', '--reject-on', 'zero-coords'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(noValidate.code).toBe(2);
    expect(noValidate.stderr).toMatch(/rejectOn needs validate/);
    const unknown = await runCli(
      ['generic', file, '--id-field', 'id', '--validate', '--reject-on', 'colour'],
      {
        env: t.env,
        cwd: t.cwd,
      },
    );
    expect(unknown.code).toBe(2);
    // Without a terminal the usage error is one JSON line: its message names the kind.
    expect((JSON.parse(unknown.stderr.trim()) as { msg: string }).msg).toMatch(
      /unknown warning kind "colour"/,
    );
  });

  it('adds the new columns to a table created without them', async () => {
    await t.query(`CREATE SCHEMA IF NOT EXISTS "${t.schema}"`);
    await t.query(`CREATE TABLE "${t.schema}".old (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, source text NOT NULL, external_id text NOT NULL,
      name text, smiles text, inchi text, inchikey text, formula text, mol_weight double precision,
      molfile text, properties jsonb NOT NULL DEFAULT '{}', run_id bigint, source_file text,
      source_record bigint, source_seq bigint, created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(), CONSTRAINT old_source_external_id_key UNIQUE (source, external_id))`);
    const file = path.join(t.cwd, 'salts3.csv');
    writeFileSync(file, CSV);
    const r = await runCli(
      [
        'generic',
        file,
        ...t.args,
        '--table',
        'old',
        '--id-field',
        'id',
        '--standardize',
        '--compute',
        'inchikey',
        '--json',
      ],
      { env: t.env, cwd: t.cwd },
    );
    expect(r.code, r.stderr.slice(-1000)).toBe(0);
    const rows = await t.query<{ n: unknown }>(`SELECT count(parent_inchikey) AS n FROM "${t.schema}".old`);
    expect(Number(rows[0]!.n)).toBe(3);
  });
});
