/**
 * Logs an operator can trust (issue 16, item 4), in-process: without a terminal every stderr line is
 * one JSON object and levels mean something; at a terminal retries show while connecting, `-q`
 * prints warnings and errors only, an error is printed once, NO_COLOR / FORCE_COLOR are obeyed;
 * the --json durations say what they measure.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ImportEvent } from '../../src/import/events.js';
import { runImport } from '../../src/import/run-import.js';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const CHEMBL_SDF = path.resolve(__dirname, '../../fixtures/samples/chembl_dump_head_200.sdf.gz');
/** Nothing listens on port 1: every connection attempt is refused at once, and retried. */
const DOWN = 'postgres://loader:s3cret@127.0.0.1:1/chem';

/** Every line of stderr parsed as JSON; fails on any line that is not one JSON object. */
function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      let o: unknown;
      try {
        o = JSON.parse(l);
      } catch {
        throw new Error(`not a JSON line on stderr: ${l}`);
      }
      expect(typeof o).toBe('object');
      return o as Record<string, unknown>;
    });
}

/** The CLI with stdout and stderr as a terminal of `columns` columns. */
async function runAtTerminal(
  argv: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; columns?: number; stdoutTty?: boolean },
): Promise<{ code: number; stdout: string; stderr: string }> {
  // What ora and cli-progress use of a tty.WriteStream.
  const tty = (isTTY: boolean) => {
    const s: PassThrough = Object.assign(new PassThrough(), {
      isTTY,
      columns: opts.columns ?? 100,
      rows: 40,
      cursorTo: (x: number, y?: number) => readline.cursorTo(s, x, y),
      moveCursor: (dx: number, dy: number) => readline.moveCursor(s, dx, dy),
      clearLine: (dir: -1 | 0 | 1) => readline.clearLine(s, dir),
      clearScreenDown: () => readline.clearScreenDown(s),
    });
    return s;
  };
  const stdout = tty(opts.stdoutTty ?? true);
  const stderr = tty(true);
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(argv, {
    stdout,
    stderr,
    env: opts.env ?? { PATH: process.env.PATH },
    cwd: opts.cwd,
  });
  return { code, stdout: out, stderr: err };
}

let t: CliTarget;
let dir: string;
beforeAll(async () => {
  t = await cliTarget();
  dir = await mkdtemp(path.join(tmpdir(), 'molimport-logs-'));
});
afterAll(async () => {
  await t?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('without a terminal, stderr is JSON lines only', () => {
  it('a usage error is one JSON line at error level, with its code', async () => {
    const r = await runCli(['chembl', CHEMBL_SDF, '--bogus-option']);
    expect(r.code).toBe(2);
    const lines = jsonLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, code: 'MOLIMPORT_USAGE', exitCode: 2 });
    expect(String(lines[0]!.msg)).toContain("unknown option '--bogus-option'");
  });

  it('a completed run: every line JSON, ending with `done` at info', async () => {
    const r = await runCli(['chembl', CHEMBL_SDF, ...t.args, '--table', 'logs_ok'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stderr);
    expect(lines.at(-1)).toMatchObject({ event: 'done', level: 30, status: 'completed' });
  });

  it('a failed run ends at error level and names the error once', async () => {
    const missing = path.join(dir, 'no-such-file.sdf');
    const r = await runCli(['chembl', missing, ...t.args], { env: t.env, cwd: t.cwd });
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stderr);
    const done = lines.find((l) => l.event === 'done')!;
    expect(done).toMatchObject({ level: 50, status: 'failed', errorCode: 'MOLIMPORT_INPUT' });
    expect(r.stderr.split('\n').filter((l) => l.includes('no such file'))).toHaveLength(1);
  });

  it('a run stopped by its error threshold ends at warn', async () => {
    // generic takes the ID from the title line: the second record has none and is rejected.
    const sdf = path.join(dir, 'one-bad.sdf');
    const record = (title: string) =>
      `${title}\n  test\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n`;
    await writeFile(sdf, record('GOOD-1') + record(''));
    const r = await runCli(['generic', sdf, ...t.args, '--table', 'logs_limit', '--max-errors', '0'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(r.code).toBe(3);
    expect(jsonLines(r.stderr).find((l) => l.event === 'done')).toMatchObject({ level: 40, exitCode: 3 });
  });

  it('an interrupted run: the signal notice and the end are JSON lines at warn', async () => {
    const stdin = new PassThrough();
    const controller = new AbortController();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    stdout.resume();
    const { readFileSync } = await import('node:fs');
    const { gunzipSync } = await import('node:zlib');
    // Half the file, then wait: the run is reading stdin when the signal comes.
    const text = gunzipSync(readFileSync(CHEMBL_SDF)).toString('utf8');
    stdin.write(text.slice(0, text.indexOf('$$$$', text.length / 2) + 5));
    const running = main(['chembl', '-', ...t.args, '--table', 'logs_int'], {
      stdout,
      stderr,
      stdin,
      env: t.env,
      cwd: t.cwd,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 1_500));
    controller.abort(new Error('SIGTERM'));
    setTimeout(() => stdin.end(), 100);
    expect(await running).toBe(130);
    const lines = jsonLines(err);
    expect(lines.find((l) => String(l.msg).includes('SIGTERM received'))).toMatchObject({ level: 40 });
    expect(lines.find((l) => l.event === 'done')).toMatchObject({ level: 40, status: 'interrupted' });
  });

  it('each retry is a warn line with attempt, maxRetries and delayMs; the failure an error line', async () => {
    const r = await runCli(['chembl', CHEMBL_SDF, '--db', DOWN]);
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stderr);
    const retries = lines.filter((l) => l.attempt !== undefined);
    expect(retries.map((l) => l.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const l of retries) {
      expect(l).toMatchObject({ level: 40, maxRetries: 6, operation: 'connect' });
      expect(l.delayMs).toEqual(expect.any(Number));
    }
    expect(lines.find((l) => l.event === 'done')).toMatchObject({ level: 50, status: 'failed' });
    expect(r.stderr).not.toContain('s3cret');
  }, 30_000);
});

describe('at a terminal', () => {
  it('shows the retries while connecting, then the error once (no all-zero table)', async () => {
    const r = await runAtTerminal(['chembl', CHEMBL_SDF, '--db', DOWN], { columns: 120 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Connecting to postgres:\/\/loader:\*\*\*@127\.0\.0\.1:1\/chem \(retry 2 of 6 in \d+\.\d s\)/,
    );
    expect(r.stderr.split('cannot connect to').length - 1).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr + r.stdout).not.toContain('s3cret');
  }, 30_000);

  it('prints the error in the table only, when the table is on the same screen', async () => {
    const r = await runAtTerminal(['chembl', path.join(dir, 'absent.sdf'), CHEMBL_SDF, ...t.args], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(r.code).toBe(1);
    expect((r.stdout + r.stderr).split('absent.sdf: no such file').length - 1).toBe(1);
  });

  it('-q shows only warnings, errors and the final table', async () => {
    const quiet = await runAtTerminal(['chembl', CHEMBL_SDF, ...t.args, '--table', 'logs_q', '-q'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('status: completed');
    const down = await runAtTerminal(['chembl', CHEMBL_SDF, '--db', DOWN, '-q'], { columns: 80 });
    const lines = down.stderr.split('\n').filter((l) => l.startsWith('molimport:'));
    expect(lines[0]).toMatch(/^molimport: warning: cannot connect to .*/);
    expect(down.stderr).toMatch(/\(retry 6 of 6 in \d+\.\d s\)/);
    expect(down.stderr.split('\n').every((l) => l.length <= 80)).toBe(true);
    expect(down.stderr).not.toMatch(/^\{/m);
  }, 30_000);

  it('honours NO_COLOR and FORCE_COLOR in the spinner and its symbols', async () => {
    // An SGR colour code, ESC [ 3x m.
    const colour = new RegExp(String.fromCharCode(27) + '\\[3\\dm');
    const run = async (extra: Record<string, string>, table: string) =>
      runAtTerminal(['chembl', CHEMBL_SDF, ...t.args, '--table', table], {
        env: { ...t.env, ...extra },
        cwd: t.cwd,
      });
    const plain = await run({ NO_COLOR: '1' }, 'logs_nc');
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('✔');
    expect(plain.stderr).not.toMatch(colour);
    const forced = await run({ FORCE_COLOR: '1', NO_COLOR: '1' }, 'logs_fc');
    expect(forced.stderr).toMatch(colour);
    const byDefault = await run({}, 'logs_dc');
    expect(byDefault.stderr).toMatch(colour);
  });
});

describe('live figures agree with the final ones', () => {
  it('the last progress event carries the final figures; its batch size never exceeds the largest', async () => {
    const pubchem = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');
    const events: ImportEvent[] = [];
    // Batches grow from 50, so the strategy's next choice is always ahead of the batch that settled.
    const stats = await runImport(
      {
        source: 'pubchem',
        files: [pubchem],
        database: t.kind === 'postgres' ? t.args[t.args.indexOf('--db') + 1] : undefined,
        env: t.env,
        cwd: t.cwd,
        schema: t.schema,
        table: 'logs_batch',
        batchSize: 50,
        parallel: false,
      },
      { onEvent: (e) => events.push(e) },
    );
    expect(stats.status).toBe('completed');
    expect(stats.batches).toBeGreaterThan(2);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({
      read: 245,
      fileRead: 245,
      rejected: 0,
      batchSize: stats.batchSize.final,
    });
    for (const p of progress) expect(p.batchSize).toBeLessThanOrEqual(stats.batchSize.max);
  });
});

describe('--json durations', () => {
  it('durationMs = startupMs + importDurationMs + the finish; moleculesPerSecond is over the import', async () => {
    const r = await runCli(['chembl', CHEMBL_SDF, ...t.args, '--table', 'logs_time', '--json'], {
      env: t.env,
      cwd: t.cwd,
    });
    const s = parseJsonStats(r.stdout);
    expect(s.startupMs).toBeGreaterThan(0);
    expect(s.importDurationMs).toBeGreaterThan(0);
    expect(s.startupMs + s.importDurationMs).toBeLessThanOrEqual(s.durationMs + 1);
    // Both figures are rounded (whole ms, whole molecules/s): the rate must lie within what the
    // rounded import time allows, not within a fixed 1 % (a 46 ms import is ±1.1 % by rounding alone).
    const fastest = (s.read * 1000) / (s.importDurationMs - 0.5) + 0.5;
    const slowest = (s.read * 1000) / (s.importDurationMs + 0.5) - 0.5;
    expect(s.moleculesPerSecond).toBeGreaterThanOrEqual(slowest);
    expect(s.moleculesPerSecond).toBeLessThanOrEqual(fastest);
  });
});
