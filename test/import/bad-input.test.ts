/**
 * Bad input never hangs or crashes the process: each case gets a clear message naming the file
 * (and record or byte), the right exit code, and whatever was good is imported.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const SAMPLE = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');
const CHEMBL = path.resolve(__dirname, '../../fixtures/samples/chembl_dump_head_200.sdf.gz');

let t: CliTarget;
let n = 0;
beforeAll(async () => {
  t = await cliTarget();
});
afterAll(async () => {
  await t?.dispose();
});

function file(name: string, content: string | Buffer): string {
  const p = path.join(t.cwd, name);
  writeFileSync(p, content);
  return p;
}

async function run(source: string, files: string[], extra: string[] = []) {
  const table = `bad${++n}`;
  const r = await runCli([source, ...files, ...t.args, '--table', table, '--json', ...extra], {
    env: t.env,
    cwd: t.cwd,
  });
  const count = async () => {
    const rows = await t
      .query<{ n: string }>(`SELECT count(*) AS n FROM "${t.schema}"."${table}"`)
      .catch(() => [{ n: '0' }]);
    return Number(rows[0]?.n ?? 0);
  };
  return { ...r, stats: parseJsonStats(r.stdout), count, table };
}

describe('bad input', () => {
  it('an empty file: exit 1, naming it', async () => {
    const r = await run('pubchem', [file('empty.sdf', '')]);
    expect(r.code).toBe(1);
    expect(r.stats.error).toMatch(/empty\.sdf: no records found \(the input is empty\)/);
  });

  it('binary junk: exit 1 naming the file and the byte offset', async () => {
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256;
    const r = await run('pubchem', [file('junk.sdf', junk)]);
    expect(r.code).toBe(1);
    expect(r.stats.error).toMatch(/junk\.sdf: not a text file \(binary byte 0x[0-9a-f]{2} at byte \d+\)/);
  });

  it('a truncated gzip: exit 1 with the offset; the complete records before it are imported', async () => {
    const whole = readFileSync(SAMPLE);
    const cut = file('cut.sdf.gz', whole.subarray(0, 60_000));
    const r = await run('pubchem', [cut]);
    expect(r.code).toBe(1);
    expect(r.stats.error).toMatch(/cut\.sdf\.gz: truncated gzip: .*at byte 60000/);
    expect(r.stats.inserted).toBeGreaterThan(50);
    expect(await r.count()).toBe(r.stats.inserted);
    expect(r.stats.read).toBe(r.stats.inserted + r.stats.rejected + r.stats.duplicates);
  });

  it('a CSV without the ID column: exit 1 naming the file and the columns expected', async () => {
    const r = await run('pubchem', [file('nocid.csv', 'name,smiles\naspirin,CC(=O)Oc1ccccc1C(=O)O\n')]);
    expect(r.code).toBe(1);
    expect(r.stats.error).toMatch(
      /nocid\.csv: no ID column: expected .*"CID".*the file has "name", "smiles"; name the ID column with --id-field/,
    );
  });

  it('one bad file among good ones: the good files are imported, the run fails with exit 1', async () => {
    const r = await run('chembl', [
      CHEMBL,
      file('empty2.sdf', ''),
      CHEMBL.replace('chembl_dump_head_200', 'chembl_dump_head_200'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stats.files.map((f) => f.read)).toEqual([200, 0, 200]);
    expect(await r.count()).toBe(200);
  });

  it('a 10 MB data field is imported whole', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const text = gunzipSync(readFileSync(SAMPLE)).toString('utf8').split('$$$$\n').slice(0, 3);
    text[1] = text[1]!.replace(
      '> <PUBCHEM_COMPOUND_CID>',
      `> <HUGE_FIELD>\n${big}\n\n> <PUBCHEM_COMPOUND_CID>`,
    );
    const r = await run('pubchem', [file('big-field.sdf', text.map((x) => x + '$$$$\n').join(''))]);
    expect(r.code, r.stderr.slice(-500)).toBe(0);
    expect(r.stats.inserted).toBe(3);
    const rows = await t.query<{ n: number }>(
      `SELECT length(properties->>'HUGE_FIELD') AS n FROM "${t.schema}"."${r.table}" WHERE properties ? 'HUGE_FIELD'`,
    );
    expect(rows[0]?.n).toBe(big.length);
  });

  it('a molecule with 100,000 atoms (V3000) is imported', async () => {
    const atoms = 100_000;
    const lines = [
      'HUGE-1',
      '  molimport-test',
      '',
      '  0  0  0     0  0            999 V3000',
      'M  V30 BEGIN CTAB',
      `M  V30 COUNTS ${atoms} ${atoms - 1} 0 0 0`,
      'M  V30 BEGIN ATOM',
    ];
    for (let i = 1; i <= atoms; i++) lines.push(`M  V30 ${i} C ${(i * 1.5).toFixed(4)} 0 0 0`);
    lines.push('M  V30 END ATOM', 'M  V30 BEGIN BOND');
    for (let i = 1; i < atoms; i++) lines.push(`M  V30 ${i} 1 ${i} ${i + 1}`);
    lines.push(
      'M  V30 END BOND',
      'M  V30 END CTAB',
      'M  END',
      '> <PUBCHEM_COMPOUND_CID>',
      '999999999',
      '',
      '$$$$',
      '',
    );
    const r = await run('pubchem', [file('huge.sdf', lines.join('\n'))]);
    expect(r.code, r.stderr.slice(-500)).toBe(0);
    expect(r.stats.inserted).toBe(1);
    const rows = await t.query<{ n: number }>(`SELECT length(molfile) AS n FROM "${t.schema}"."${r.table}"`);
    expect(rows[0]?.n).toBeGreaterThan(atoms * 20);
  });

  it('bytes that are not UTF-8: that record is rejected with file, record and line; the rest imported', async () => {
    const csv = Buffer.concat([
      Buffer.from('CID,SMILES\n1,CCO\n2,C'),
      Buffer.from([0xe9]),
      Buffer.from('C\n3,CCC\n'),
    ]);
    const rejects = path.join(t.cwd, 'latin1.rejects.csv');
    const r = await run('pubchem', [file('latin1.csv', csv)], ['--rejects', rejects]);
    expect(r.code).toBe(0);
    expect(r.stats).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
    const text = readFileSync(rejects, 'utf8');
    expect(text).toMatch(/latin1\.csv,2,3,invalid UTF-8/);
  });

  it('an unknown source name: exit 2', async () => {
    const r = await runCli(['zinc', CHEMBL], { env: t.env, cwd: t.cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'zinc'/);
  });

  it('a table or schema name containing SQL: exit 2 before anything is written', async () => {
    const bad = await runCli(['chembl', CHEMBL, ...t.args, '--table', 'x; drop table molecules', '--json'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(bad.code).toBe(2);
    expect(parseJsonStats(bad.stdout).error).toMatch(/table name.*"x; drop table molecules"/);
    const schema = await runCli(['chembl', CHEMBL, '--schema', 'public"; --', '--json'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(schema.code).toBe(2);
  });
});
