#!/usr/bin/env node
// Fleet throughput: one set of F tiled PubChem files, loaded by W worker processes (1 file each at
// a time), wall time from the first worker's start to the last one's exit. Needs a PostgreSQL URL
// (a throwaway server: it creates tables and the pgboss schema there) and a built dist/.
//   node bench/fleet.mjs <url> [--files 8] [--records 5000] [--workers 1,2,4] [--compute inchikey]
//                             [--server-pid <postmaster pid>]
// A count may repeat (--workers 1,2,4,1,2,4: interleaved rounds on a shared machine). Each round
// prints the CPU time (user+sys) of its workers (GNU time, when /usr/bin/time exists) and, with
// --server-pid on Linux, of the server (postmaster, its live children, and the backends it reaped),
// and the 1-minute load average before and after: on a busy machine CPU time per record is the
// figure that stays comparable; wall time is what a user would see.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { binNodeFlags } from './lib/bin-flags.mjs';

const [url, ...rest] = process.argv.slice(2);
if (!url)
  throw new Error(
    'usage: node bench/fleet.mjs <postgres-url> [--files F] [--records N] [--workers 1,2,4] [--compute list]',
  );
const arg = (name, def) => {
  const i = rest.indexOf(`--${name}`);
  return i === -1 ? def : rest[i + 1];
};
const F = Number(arg('files', '8'));
const N = Number(arg('records', '5000'));
const counts = arg('workers', '1,2,4').split(',').map(Number);
const compute = arg('compute', undefined);
const serverPid = arg('server-pid', undefined);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/** CPU seconds (user+sys) of a process: its own, its reaped children's, and its live children's. */
function serverCpu(pid) {
  const fields = (p) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  const ppidOf = (p) => Number(fields(p)[1]);
  const f = fields(pid);
  let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (ppidOf(e) === Number(pid)) {
        const c = fields(e);
        ticks += Number(c[11]) + Number(c[12]);
      }
    } catch {
      // gone meanwhile
    }
  }
  return ticks / TICKS;
}
const BIN = path.resolve(import.meta.dirname, '../bin/molimport.js');
const SAMPLE = path.resolve(import.meta.dirname, '../fixtures/samples/pubchem_compound_head_245.sdf.gz');

const dir = mkdtempSync(path.join(tmpdir(), 'molimport-fleet-bench-'));
const records = gunzipSync(readFileSync(SAMPLE))
  .toString('utf8')
  .split('$$$$\n')
  .filter((r) => r.trim());
const files = [];
for (let f = 0; f < F; f++) {
  const parts = [];
  for (let i = 0; i < N; i++)
    parts.push(
      records[i % records.length].replace(/(> <PUBCHEM_COMPOUND_CID>\n)\d+/, `$1${1 + f * N + i}`),
      '$$$$\n',
    );
  const file = path.join(dir, `pc-${f}.sdf.gz`);
  writeFileSync(file, gzipSync(parts.join('')));
  files.push(file);
}

let cpuFiles = 0;
/** Run the CLI; with `timed`, under GNU time: resolves { out, cpu } (user+sys seconds). */
const run = (args, timed = false) =>
  new Promise((resolve, reject) => {
    const cpuFile = timed && TIME ? path.join(dir, `cpu-${cpuFiles++}`) : undefined;
    const [cmd, argv] = cpuFile
      ? [TIME, ['-o', cpuFile, '-f', '%U %S', process.execPath, ...binNodeFlags(BIN), BIN, ...args]]
      : [process.execPath, [...binNodeFlags(BIN), BIN, ...args]];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${args[0]} exited ${code}`));
      const cpu = cpuFile
        ? readFileSync(cpuFile, 'utf8')
            .trim()
            .split('\n')
            .at(-1)
            .split(' ')
            .reduce((a, b) => a + Number(b), 0)
        : null;
      resolve(timed ? { out, cpu } : out);
    });
  });

const stamp = Date.now().toString(36);
for (const [round, w] of counts.entries()) {
  const set = `bench-${stamp}-${round}-${w}${compute ? '-c' : ''}`;
  const table = `bench_${stamp}_${round}_${w}${compute ? '_c' : ''}`;
  await run([
    'enqueue',
    'pubchem',
    ...files,
    '--db',
    url,
    '--set',
    set,
    '--table',
    table,
    ...(compute ? ['--compute', compute] : []),
  ]);
  const load0 = loadavg()[0];
  const server0 = serverPid ? serverCpu(serverPid) : null;
  const t0 = performance.now();
  const ends = await Promise.all(
    Array.from({ length: w }, () =>
      run(['worker', '--db', url, '--set', set, '--drain', '--poll-ms', '200', '--log-level', 'warn'], true),
    ),
  );
  const s = (performance.now() - t0) / 1000;
  const server1 = serverPid ? serverCpu(serverPid) : null;
  const status = JSON.parse(await run(['fleet', 'status', '--db', url, '--set', set, '--json']));
  const workerCpu = TIME ? ends.reduce((a, e) => a + e.cpu, 0) : null;
  const serverCpuS = server0 === null ? null : server1 - server0;
  console.log(
    JSON.stringify({
      round,
      workers: w,
      compute: compute ?? null,
      files: F,
      records: status.read,
      inserted: status.inserted,
      seconds: +s.toFixed(1),
      perSecond: Math.round(status.read / s),
      workerCpuS: workerCpu === null ? null : +workerCpu.toFixed(1),
      serverCpuS: serverCpuS === null ? null : +serverCpuS.toFixed(1),
      // CPU ms per record, workers and server: comparable across rounds whatever the load.
      cpuMsPerRecord:
        workerCpu === null ? null : +(((workerCpu + (serverCpuS ?? 0)) * 1000) / status.read).toFixed(2),
      load1: [+load0.toFixed(1), +loadavg()[0].toFixed(1)],
    }),
  );
}
rmSync(dir, { recursive: true, force: true });
