/**
 * The CLI in a real terminal (issue 16, item 3): tmux windows of 80 and 120 columns, the command
 * typed with send-keys, the screen read with capture-pane. No line may be wider than the window
 * (wrapped lines are joined, so a wrap shows as a long line), and the key figures must be on screen.
 * Skipped, with one loud line, where tmux is not installed (.ci/run installs it).
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { BIN } from '../helpers/spawn-cli.js';
import { openTmux, tmuxAvailable, type TmuxTerminal } from '../helpers/tmux.js';

const SAMPLES = path.resolve(__dirname, '../../fixtures/samples');
const CHEMBL_SDF = path.join(SAMPLES, 'chembl_dump_head_200.sdf.gz');
const PUBCHEM_SDF = path.join(SAMPLES, 'pubchem_compound_head_245.sdf.gz');

const hasTmux = tmuxAvailable();
if (!hasTmux) {
  console.error(
    '!!! SKIPPED test/cli/terminal.test.ts: tmux is not installed, so the CLI was NOT tested in a real ' +
      'terminal (80/120 columns). Install it (apt-get install -y tmux) to run these tests.',
  );
}

/** Lines of the screen wider than the window. */
function tooWide(screen: string, columns: number): string[] {
  return screen.split('\n').filter((l) => [...l].length > columns);
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!hasTmux).each([80, 120])('at %i columns', (columns) => {
  let t: CliTarget;
  let term: TmuxTerminal | undefined;
  let n = 0;
  beforeAll(async () => {
    t = await cliTarget();
    await copyFile(PUBCHEM_SDF, path.join(t.cwd, 'Compound_a.sdf.gz'));
    await copyFile(PUBCHEM_SDF, path.join(t.cwd, 'Compound_b.sdf.gz'));
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** Runs a molimport command line in a fresh window; resolves with the screen once it exited. */
  async function run(
    args: string[],
    opts: { env?: Record<string, string> } = {},
  ): Promise<{ screen: string; exit: number; escaped: string }> {
    // The command goes in a script, so the typed line (`sh s1.sh`) is short.
    const script = `s${++n}.sh`;
    const env = Object.entries({ ...t.env, ...opts.env })
      .map(([k, v]) => `${k}=${quote(v ?? '')}`)
      .join(' ');
    await writeFile(
      path.join(t.cwd, script),
      `trap true INT\nenv -i ${env} ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}\necho EXIT=$?\n`,
    );
    term = openTmux({ columns, cwd: t.cwd });
    try {
      term.type(`sh ${script}`);
      const screen = await term.waitFor(/^EXIT=\d+$/m, 120_000);
      return { screen, exit: Number(/^EXIT=(\d+)$/m.exec(screen)![1]), escaped: term.screenWithEscapes() };
    } finally {
      term.close();
    }
  }

  it('an import: bar with the final figures, the table and the status fit the window', async () => {
    const { screen, exit } = await run(['chembl', CHEMBL_SDF, ...t.args, '--table', `t${columns}`]);
    expect(exit, screen).toBe(0);
    expect(tooWide(screen, columns), screen).toEqual([]);
    expect(screen).toMatch(/100% .*\| 200 read .*\| rejects 0/); // the bar ends on the real figures
    expect(screen).not.toMatch(/\b0 read/);
    expect(screen).toMatch(/│ chembl_dump_head_200\.sd\S* +│ 200 +│ 200 /);
    expect(screen).toContain('status: completed (exit 0)');
  });

  it('a multi-file run: file i of n, both files and the total in the table', async () => {
    const { screen, exit } = await run(['pubchem', 'Compound_*.sdf.gz', ...t.args, '--table', `m${columns}`]);
    expect(exit, screen).toBe(0);
    expect(tooWide(screen, columns), screen).toEqual([]);
    expect(screen).toMatch(/file 2 of 2 .*100%.*245 read/); // read counts the current file, not the run
    // Bytes are of all inputs together (2 × 147 KiB) where the width leaves room for them.
    if (columns >= 120) expect(screen).toMatch(/100% 294 KiB\/294 KiB/);
    expect(screen).toMatch(/│ Compound_a\.sdf\.gz +│ 245 /);
    expect(screen).toMatch(/│ total +│ 490 /);
  });

  it('-q shows the table and nothing else; NO_COLOR leaves no colour on screen, FORCE_COLOR does', async () => {
    const quiet = await run(['chembl', CHEMBL_SDF, ...t.args, '--table', `q${columns}`, '-q']);
    expect(quiet.exit, quiet.screen).toBe(0);
    expect(tooWide(quiet.screen, columns), quiet.screen).toEqual([]);
    expect(quiet.screen).toContain('status: completed (exit 0)');
    expect(quiet.screen).not.toMatch(/✔|rejects 0|\{"level"/);
    // An SGR colour, ESC [ 3x m (tmux re-encodes what it shows, so no other colour form appears).
    const colour = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*3[0-7]m');
    const plain = await run(['chembl', CHEMBL_SDF, ...t.args, '--table', `q${columns}`], {
      env: { NO_COLOR: '1' },
    });
    expect(plain.screen).toContain('✔ Connected');
    expect(plain.escaped).not.toMatch(colour);
    const forced = await run(['chembl', CHEMBL_SDF, ...t.args, '--table', `q${columns}`], {
      env: { NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    expect(forced.escaped).toMatch(colour);
  });

  it('molimport runs: the table fits', async () => {
    // A run of its own to list (the tests of this file may run in any order).
    const two = await run(['pubchem', 'Compound_*.sdf.gz', ...t.args, '--table', `r${columns}`, '-q']);
    expect(two.exit, two.screen).toBe(0);
    const { screen, exit } = await run(['runs', ...t.args]);
    expect(exit, screen).toBe(0);
    expect(tooWide(screen, columns), screen).toEqual([]);
    expect(screen).toMatch(/│ completed .*│ 490 /);
  });

  it('Ctrl-C: the notice stays on screen above the table, the run is interrupted', async () => {
    // Half the records on stdin, then a pause: the import is waiting for more when Ctrl-C comes.
    const text = gunzipSync(readFileSync(CHEMBL_SDF)).toString('utf8');
    await writeFile(path.join(t.cwd, 'half.sdf'), text.slice(0, text.indexOf('$$$$', text.length / 2) + 5));
    const script = `c${columns}.sh`;
    const env = Object.entries(t.env)
      .map(([k, v]) => `${k}=${quote(v ?? '')}`)
      .join(' ');
    await writeFile(
      path.join(t.cwd, script),
      `trap true INT\n(cat half.sdf; sleep 60) | env -i ${env} ${quote(process.execPath)} ${quote(BIN)} chembl - ${t.args.map(quote).join(' ')} --table c${columns}\necho EXIT=$?\n`,
    );
    const term = openTmux({ columns, cwd: t.cwd });
    try {
      term.type(`sh ${script}`);
      await term.waitFor(/\d+ read .*rejects 0/, 120_000);
      await new Promise((r) => setTimeout(r, 500));
      term.key('C-c');
      const screen = await term.waitFor(/^EXIT=\d+$/m, 60_000);
      expect(screen).toMatch(/^EXIT=130$/m);
      expect(tooWide(screen, columns), screen).toEqual([]);
      const notice = screen.indexOf('SIGINT received, finishing in-flight batches');
      expect(notice, screen).toBeGreaterThan(-1);
      expect(notice).toBeLessThan(screen.indexOf('status: interrupted (exit 130)'));
    } finally {
      term.close();
    }
  });
});

describe.skipIf(!hasTmux)('at 80 columns, with the database down', () => {
  it('database down: the retries show while connecting, then the error once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'molimport-term-'));
    const term = openTmux({ columns: 80, cwd: dir });
    try {
      await writeFile(
        path.join(dir, 'down.sh'),
        `env -i PATH=${quote(process.env.PATH ?? '')} ${quote(process.execPath)} ${quote(BIN)} chembl ${quote(CHEMBL_SDF)} --db postgres://loader:s3cret@127.0.0.1:1/chem\necho EXIT=$?\n`,
      );
      term.type('sh down.sh');
      const during = await term.waitFor(/\(retry [2-6] of 6 in \d+\.\d s\)/, 30_000);
      expect(during).toMatch(
        /Connecting to postgres:\/\/loader:\*\*\*@127\.0\.0\.1:1\/chem \(retry [2-6] of 6/,
      );
      const screen = await term.waitFor(/^EXIT=\d+$/m, 60_000);
      expect(screen).toMatch(/^EXIT=1$/m);
      expect(tooWide(screen, 80), screen).toEqual([]);
      expect(screen.split('cannot connect to').length - 1, screen).toBe(1);
      expect(screen).not.toContain('s3cret');
    } finally {
      term.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
