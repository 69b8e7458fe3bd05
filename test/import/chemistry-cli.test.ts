/**
 * The chemistry options end to end through the command: computed InChIKeys, validation rejects,
 * cross-source identity in the stats, `molimport overlap`, and --rdkit-mol refused without a cartridge.
 */
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { describeWith, prereqs } from '../helpers/prereq.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const PUBCHEM = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');

let t: CliTarget;
beforeAll(async () => {
  t = await cliTarget();
});
afterAll(async () => {
  await t?.dispose();
});

describe('chemistry options', () => {
  it('--compute inchikey under another source: same keys as PubChem wrote; counted as known under pubchem; overlap reports it', async () => {
    const first = await runCli(['pubchem', PUBCHEM, ...t.args, '--table', 'chem', '--json'], {
      env: t.env,
      cwd: t.cwd,
    });
    const pub = parseJsonStats(first.stdout);
    expect(pub.status).toBe('completed');

    const r = await runCli(
      [
        'generic',
        PUBCHEM,
        ...t.args,
        '--table',
        'chem',
        '--id-field',
        'PUBCHEM_COMPOUND_CID',
        '--compute',
        'inchikey',
        '--json',
      ],
      { env: t.env, cwd: t.cwd },
    );
    expect(r.code, r.stderr.slice(-1000)).toBe(0);
    const s = parseJsonStats(r.stdout);
    expect(s.chemistry).toMatchObject({ rows: s.read });
    const rows = await t.query<{ same: string; total: string }>(
      `SELECT count(*) FILTER (WHERE g.inchikey = p.inchikey) AS same, count(*) AS total
         FROM "${t.schema}".chem g JOIN "${t.schema}".chem p ON p.external_id = g.external_id AND p.source = 'pubchem'
        WHERE g.source = 'generic' AND p.inchikey IS NOT NULL`,
    );
    const same = Number(rows[0]?.same);
    const total = Number(rows[0]?.total);
    expect(total).toBeGreaterThan(200);
    expect(same / total).toBeGreaterThanOrEqual(0.98);
    expect(s.knownUnderOtherSource).toBeGreaterThanOrEqual(same);

    const o = await runCli(['overlap', ...t.args, '--table', 'chem', '--json'], { env: t.env, cwd: t.cwd });
    expect(o.code, o.stderr).toBe(0);
    const report = JSON.parse(o.stdout) as { pairs: { a: string; b: string; shared: number }[] };
    const pair = report.pairs.find((p) => p.a === 'generic' && p.b === 'pubchem');
    expect(pair?.shared).toBe(s.knownUnderOtherSource);
    const table = await runCli(['overlap', ...t.args, '--table', 'chem'], { env: t.env, cwd: t.cwd });
    expect(table.stdout).toMatch(/shares an InChIKey with/);
  });

  it("--validate rejects a pentavalent carbon with RDKit's reason; --compute alone keeps it as a warning", async () => {
    const ok = [
      'ok-1',
      '  test',
      '',
      '  2  1  0  0  0  0  0  0  0  0999 V2000',
      '    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0',
      '    1.5000    0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0',
      '  1  2  1  0',
      'M  END',
      '$$$$',
    ];
    const bad = [
      'bad-1',
      '  test',
      '',
      '  6  5  0  0  0  0  0  0  0  0999 V2000',
      ...Array.from(
        { length: 6 },
        (_, i) =>
          `    ${(i * 1.0).toFixed(4).padStart(6)}    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0`,
      ),
      ...[2, 3, 4, 5, 6].map((b) => `  1  ${b}  1  0`),
      'M  END',
      '$$$$',
    ];
    const file = path.join(t.cwd, 'valence.sdf');
    writeFileSync(file, [...ok, ...bad].join('\n') + '\n');
    const v = await runCli(
      [
        'generic',
        file,
        ...t.args,
        '--table',
        'val',
        '--validate',
        '--json',
        '--rejects',
        path.join(t.cwd, 'val.sdf'),
      ],
      { env: t.env, cwd: t.cwd },
    );
    const vs = parseJsonStats(v.stdout);
    expect(vs).toMatchObject({ read: 2, inserted: 1, rejected: 1 });
    const c = await runCli(['generic', file, ...t.args, '--table', 'val2', '--compute', 'smiles', '--json'], {
      env: t.env,
      cwd: t.cwd,
    });
    const cs = parseJsonStats(c.stdout);
    expect(cs).toMatchObject({ read: 2, inserted: 2, rejected: 0, chemistryWarnings: 1 });
  });

  it('--compute with an unknown identifier is a usage error', async () => {
    const r = await runCli(['pubchem', PUBCHEM, '--compute', 'logp'], { env: t.env, cwd: t.cwd });
    expect(r.code).toBe(2);
    // Without a terminal the usage error is one JSON log line.
    expect((JSON.parse(r.stderr.trim()) as { msg: string }).msg).toMatch(/unknown field "logp"/);
  });

  it('--rdkit-mol on the embedded database fails before anything is written', async () => {
    const cwd = path.join(t.cwd, 'embedded');
    mkdirSync(cwd, { recursive: true });
    const r = await runCli(['pubchem', PUBCHEM, '--rdkit-mol', '--json'], {
      env: { PATH: process.env.PATH },
      cwd,
    });
    expect(r.code).toBe(1);
    expect(parseJsonStats(r.stdout).error).toMatch(/--rdkit-mol needs the RDKit cartridge/);
  });
});

const cartridge = await prereqs.rdkitCartridge(
  '--rdkit-mol end to end (CLI import, then substructure search)',
);

describeWith(cartridge)('--rdkit-mol with the cartridge', () => {
  it('fills mol as batches commit, so substructure search works right after the import', async () => {
    // The cartridge is on the real server, which the CLI target then is.
    expect(t.kind).toBe('postgres');
    const r = await runCli(['pubchem', PUBCHEM, ...t.args, '--table', 'molcol', '--rdkit-mol', '--json'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(r.code, r.stderr.slice(-1000)).toBe(0);
    const s = parseJsonStats(r.stdout);
    expect(s.rdkitMol?.filled).toBeGreaterThan(200);
    expect(s.rdkitMol!.filled + s.rdkitMol!.failed).toBe(s.inserted);
    const hits = await t.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${t.schema}".molcol WHERE mol @> 'c1ccccc1'::qmol`,
    );
    expect(Number(hits[0]?.n)).toBeGreaterThan(0);
  });
});
