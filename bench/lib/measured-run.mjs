// One CLI import, measured: the way bench/two-conn.mjs and bench/growth.mjs run molimport.
// `/usr/bin/time -v` gives the process's CPU (user + sys, worker threads included) and peak RSS;
// bench/lib/pg-cpu-hook.mjs, preloaded, the CPU of its PostgreSQL backends by kind of statement and
// each batch transaction's timing. Optionally the process's RSS is sampled while it runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { binNodeFlags } from './bin-flags.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HOOK = join(ROOT, 'bench', 'lib', 'pg-cpu-hook.mjs');

export const loadAverage = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** The newest modification time of any file under `dir` (ms). */
export function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Build dist/ when it is missing or older than src/, so that bin/molimport.js runs the tree measured. */
export function ensureBuild(log) {
  const dist = join(ROOT, 'dist', 'index.js');
  if (existsSync(dist) && newestMtime(join(ROOT, 'dist')) >= newestMtime(join(ROOT, 'src'))) return;
  log('building dist/ (npx tsc -p tsconfig.build.json)');
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

/** Run a command to its end; stdout whole, the last 200 kB of stderr. `onSpawn(child)` sees it start. */
export function run(cmd, args, { cwd = ROOT, env = process.env, input = '', onSpawn } = {}) {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-200_000)));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** `psql(sql)` on database `db`: quiet, unaligned, stops at the first error (which it throws). */
export function psqlOn(db) {
  return async (sql) => {
    const r = await run('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db], { input: sql });
    if (r.code !== 0) throw new Error(`psql: ${r.stderr}\n${sql.slice(0, 500)}`);
    return r;
  };
}

/** The process `pid` and its descendants, parents first (the CLI may run child processes). */
export function processTree(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(/\s+/).map(Number));
    } catch {
      // gone, or no such file on this kernel: its children go unseen
    }
  }
  return pids;
}

function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Every `ms`, the largest RSS in the process tree under `root` (`/usr/bin/time`'s child is the CLI):
 * [ms since start, MB]. `stop()` returns the samples.
 */
function sampleRss(root, ms) {
  const t0 = performance.now();
  const samples = [];
  const timer = setInterval(() => {
    const kb = Math.max(0, ...processTree(root).slice(1).map(rssKb));
    if (kb > 0) samples.push([performance.now() - t0, kb / 1024]);
  }, ms);
  return () => {
    clearInterval(timer);
    return samples;
  };
}

/**
 * The hook has to patch the `pg` module `bin` loads: a checkout with its own node_modules (a
 * baseline such as /tmp/before-main) needs its own copy of the hook, or its PostgreSQL CPU reads 0.
 */
function hookFor(bin) {
  const own = join(dirname(resolve(bin)), '..', 'bench', 'lib', 'pg-cpu-hook.mjs');
  return existsSync(own) ? own : HOOK;
}

/**
 * `node <bin> <source> <file> --db … --schema … --json` measured. `onReady()` runs after the
 * CHECKPOINT, right before the CLI starts; `onSpawn(child)` sees `/usr/bin/time` start. Throws unless
 * the run completed.
 */
export async function measuredImport({
  bin,
  source,
  file,
  db,
  schema,
  out,
  extra = [],
  create = false,
  rssEveryMs = 0,
  onReady,
  onSpawn,
}) {
  const timeFile = join(out, `time-${process.pid}.txt`);
  const cpuFile = join(out, `pgcpu-${process.pid}.json`);
  const args = [
    '-v',
    '-o',
    timeFile,
    process.execPath,
    ...binNodeFlags(bin),
    '--import',
    hookFor(bin),
    bin,
    source,
    file,
  ];
  args.push('--db', db, '--schema', schema, '--json', '--quiet', '--log-level', 'warn', ...extra);
  args.push('--rejects', join(out, `rejects-${process.pid}.sdf`));
  if (create) args.push('--create-schema');
  await psqlOn(db)('CHECKPOINT');
  await onReady?.();
  let stopSampling = () => [];
  const r = await run('/usr/bin/time', args, {
    env: { ...process.env, MOLIMPORT_PG_CPU_OUT: cpuFile },
    onSpawn: (child) => {
      onSpawn?.(child);
      if (rssEveryMs > 0) stopSampling = sampleRss(child.pid, rssEveryMs);
    },
  });
  const rssSamples = stopSampling();
  let stats;
  try {
    stats = JSON.parse(r.stdout);
  } catch {
    throw new Error(`molimport printed no JSON (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  }
  if (stats.status !== 'completed') throw new Error(`molimport ${stats.status}: ${r.stderr.slice(-2000)}`);
  const time = readFileSync(timeFile, 'utf8');
  const num = (re) => Number(re.exec(time)?.[1]);
  const cpu = JSON.parse(readFileSync(cpuFile, 'utf8'));
  return {
    seconds: stats.durationMs / 1000,
    processSeconds: r.seconds,
    cpu: num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/),
    pgCpu: Object.values(cpu.pg).reduce((s, v) => s + v.ms, 0) / 1000,
    pgByKind: cpu.pg,
    batches: cpu.batches ?? [],
    rssMb: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
    rssSamples,
    stats,
  };
}
