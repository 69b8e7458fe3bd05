#!/usr/bin/env node
// The embedded database (PGlite) alone: `molimport pubchem FILE` with no database named, so it
// imports into `./.molimport/` of a fresh temporary directory. Each round runs every build once,
// interleaved; per run molecules/s (molimport's own durationMs), the process's CPU (user + sys,
// worker threads included) and peak RSS from `/usr/bin/time -v`, the size of the data directory,
// and the load average before and after. See bench/README.md ("The embedded database").
//
//   node bench/pglite.mjs                                   # N = 20,000, 3 rounds, this tree
//   node bench/pglite.mjs --bin before=/tmp/before/bin/molimport.js --bin after=bin/molimport.js
//   node bench/pglite.mjs --env tierup=MOLIMPORT_WASM_TIER_UP=1 --results bench/RESULTS-pglite.md
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { parseArgs } from 'node:util';
import { ensureDataset, loadTemplates } from './lib/dataset.mjs';
import { ensureBuild, loadAverage, processTree, ROOT, run } from './lib/measured-run.mjs';
import { binNodeFlags } from './lib/bin-flags.mjs';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    bin: { type: 'string', multiple: true, default: [] },
    // name=VAR=value: this tree's bin with an extra environment variable, as a build of its own
    env: { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: join(ROOT, 'bench', 'out') },
    results: { type: 'string' },
    extra: { type: 'string', default: '' },
  },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const OUT = resolve(values.out);
const log = (m) => process.stderr.write(`[pglite ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

const builds = values.bin.map((b) => {
  const [name, path] = b.split('=');
  return { name, bin: resolve(path), env: {} };
});
for (const e of values.env) {
  const [name, variable, ...value] = e.split('=');
  builds.push({ name, bin: join(ROOT, 'bin', 'molimport.js'), env: { [variable]: value.join('=') } });
}
if (builds.length === 0) builds.push({ name: 'this tree', bin: join(ROOT, 'bin', 'molimport.js'), env: {} });
if (builds.some((b) => b.bin === join(ROOT, 'bin', 'molimport.js'))) ensureBuild(log);

const dataset = await ensureDataset(loadTemplates(ROOT), 'pubchem', N, OUT);

const TICK_S = 0.01; // /proc times are in clock ticks of 1/100 s (USER_HZ)

/**
 * CPU seconds per thread of the node process under `/usr/bin/time` (pid `timePid`), sampled every
 * 50 ms so that a thread's last sample is taken shortly before it ends: { main, threads: [s…] }.
 */
function sampleThreads(timePid) {
  const last = new Map();
  let nodePid;
  const timer = setInterval(() => {
    nodePid ??= processTree(timePid)[1];
    if (nodePid === undefined) return;
    try {
      for (const tid of readdirSync(`/proc/${nodePid}/task`)) {
        const stat = readFileSync(`/proc/${nodePid}/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        last.set(Number(tid), (Number(f[11]) + Number(f[12])) * TICK_S);
      }
    } catch {
      // the process or a thread ended between readdir and read
    }
  }, 50);
  return () => {
    clearInterval(timer);
    const main = last.get(nodePid) ?? 0;
    const threads = [...last]
      .filter(([tid]) => tid !== nodePid)
      .map(([, s]) => s)
      .sort((a, b) => b - a);
    return { main, threads };
  };
}

async function once(build) {
  const cwd = mkdtempSync(join(tmpdir(), 'molimport-bench-pglite-'));
  const env = { ...process.env, ...build.env };
  for (const k of Object.keys(env)) if (k === 'DATABASE_URL' || k.startsWith('PG')) delete env[k];
  const timeFile = join(cwd, 'time.txt');
  const args = [
    '-v',
    '-o',
    timeFile,
    process.execPath,
    ...binNodeFlags(build.bin),
    build.bin,
    'pubchem',
    dataset.path,
  ];
  args.push('--json', '--quiet', '--log-level', 'warn', '--rejects', join(cwd, 'rejects.sdf'));
  if (values.extra) args.push(...values.extra.split(' '));
  const loadBefore = loadAverage();
  let stopSampling = () => ({ main: 0, threads: [] });
  const r = await run('/usr/bin/time', args, {
    cwd,
    env,
    onSpawn: (child) => (stopSampling = sampleThreads(child.pid)),
  });
  const threads = stopSampling();
  const loadAfter = loadAverage();
  try {
    let stats;
    try {
      stats = JSON.parse(r.stdout);
    } catch {
      throw new Error(`${build.name}: no JSON (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    }
    if (stats.status !== 'completed')
      throw new Error(`${build.name}: ${stats.status} ${r.stderr.slice(-2000)}`);
    const time = readFileSync(timeFile, 'utf8');
    const num = (re) => Number(re.exec(time)?.[1]);
    const du = await run('du', ['-sk', join(cwd, '.molimport')]);
    return {
      rate: stats.inserted / (stats.durationMs / 1000),
      cliRate: stats.moleculesPerSecond,
      seconds: stats.durationMs / 1000,
      wall: r.seconds,
      user: num(/User time \(seconds\): ([\d.]+)/),
      sys: num(/System time \(seconds\): ([\d.]+)/),
      rssMb: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
      diskMb: Number(du.stdout.split('\t')[0]) / 1024,
      rows: stats.inserted,
      // The busiest thread besides the main one: PGlite's own when it runs in a thread.
      mainCpu: threads.main,
      topThreadCpu: threads.threads[0] ?? 0,
      otherThreadsCpu: threads.threads.slice(1).reduce((a, b) => a + b, 0),
      batches: stats.batches,
      loadBefore,
      loadAfter,
    };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const started = new Date();
const loadStart = loadAverage();
const results = new Map(builds.map((b) => [b.name, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const build of builds) {
    const r = await once(build);
    results.get(build.name).push(r);
    log(
      `round ${round} ${build.name}: ${Math.round(r.rate)} mol/s, ${r.seconds.toFixed(2)} s, CPU ${(r.user + r.sys).toFixed(2)} s (user ${r.user}, sys ${r.sys}; main thread ${r.mainCpu.toFixed(2)}, busiest other ${r.topThreadCpu.toFixed(2)}, rest ${r.otherThreadsCpu.toFixed(2)}), ${Math.round(r.rssMb)} MB, load ${r.loadBefore} → ${r.loadAfter}`,
    );
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const first = builds[0].name;
const firstRate = median(results.get(first).map((r) => r.rate));
const lines = [
  `### Embedded database, ${N.toLocaleString('en-US')} PubChem records (${started.toISOString()})`,
  '',
  '```sh',
  `node bench/pglite.mjs ${process.argv.slice(2).join(' ')}`,
  '```',
  '',
  `Dataset \`${relative(ROOT, dataset.path)}\`; ${ROUNDS} rounds, builds interleaved; medians (all runs in parentheses). Load average at start ${loadStart}, at end ${loadAverage()}.`,
  '',
  `| build | molecules/s | × ${first} | seconds | CPU user+sys s | main thread s | busiest other thread s | peak RSS MB | data dir MB | batches |`,
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const b of builds) {
  const rs = results.get(b.name);
  const col = (f, d = 0) => `${fmt(median(rs.map(f)), d)} (${rs.map((r) => fmt(f(r), d)).join(', ')})`;
  const rate = median(rs.map((r) => r.rate));
  lines.push(
    `| ${b.name}${
      Object.keys(b.env).length
        ? ` (${Object.entries(b.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')})`
        : ''
    } | ${col((r) => r.rate)} | ${(rate / firstRate).toFixed(2)} | ${col((r) => r.seconds, 2)} | ${col((r) => r.user + r.sys, 2)} | ${col((r) => r.mainCpu, 2)} | ${col((r) => r.topThreadCpu, 2)} | ${col((r) => r.rssMb)} | ${fmt(median(rs.map((r) => r.diskMb)))} | ${median(rs.map((r) => r.batches))} |`,
  );
}
lines.push('', 'Load per run (before → after):', '');
for (const b of builds)
  lines.push(
    `- ${b.name}: ${results
      .get(b.name)
      .map((r) => `${r.loadBefore} → ${r.loadAfter}`)
      .join('; ')}`,
  );
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
if (values.results) appendFileSync(values.results, `\n${text}`);
