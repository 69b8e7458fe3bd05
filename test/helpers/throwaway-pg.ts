/**
 * A throwaway PostgreSQL server for tests that stop, restart, kill or break a server: `initdb` into a
 * new temporary directory, a free port on 127.0.0.1, trust authentication for user `postgres`. Run as
 * root, the server runs as an unprivileged OS user (postgres refuses root). `stop()` removes every
 * file; so does process exit, as a last resort. The machine's own server is never touched.
 *
 * Environment:
 * - MOLIMPORT_TEST_PG_BIN — directory holding initdb, pg_ctl, postgres (default: PostgreSQL 15's,
 *   else the newest installed under /usr/lib/postgresql).
 * - MOLIMPORT_TEST_PG_USER — the OS user to run as when root (default `molimport-test` if it exists,
 *   else `nobody`).
 */
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ThrowawayPg {
  /** postgres://postgres@<host>:<port>/postgres (host: 127.0.0.1 unless `options.host`) */
  readonly url: string;
  readonly port: number;
  /** The cluster's data directory (inside a temporary directory that `stop()` removes). */
  readonly dataDir: string;
  /** The server's log file (read it when a test fails). */
  readonly logFile: string;
  /** Fast shutdown, then remove every file. Idempotent. */
  stop(): Promise<void>;
  /** `pg_ctl restart -m fast` (after `kill()` or `shutdown()`, starts it again). */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast`, keeping every file: `restart()` starts it again. */
  shutdown(): Promise<void>;
  /** SIGKILL the postmaster and all its processes, as a crash would; waits until they are gone. */
  kill(): Promise<void>;
}

export interface ThrowawayPgOptions {
  /** The one address to listen on (it must exist, e.g. a veth's: test/helpers/netns.ts). @default '127.0.0.1' */
  host?: string;
  /** Clients (a CIDR, e.g. '10.1.2.0/24') allowed in with trust authentication, besides local ones. */
  trustClients?: string;
  /** Extra `postgresql.conf` settings, e.g. `{ max_connections: '20' }`. */
  settings?: Record<string, string>;
}

/** Where initdb/pg_ctl live, or undefined when PostgreSQL's server binaries are not installed. */
export function pgBinDir(): string | undefined {
  const fromEnv = process.env.MOLIMPORT_TEST_PG_BIN;
  if (fromEnv) return existsSync(path.join(fromEnv, 'initdb')) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  const chosen = versions.includes('15') ? '15' : versions[0];
  return chosen === undefined ? undefined : path.join(root, chosen, 'bin');
}

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** The unprivileged user to run the server as when we are root; undefined when we are not root. */
function serverUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const wanted = process.env.MOLIMPORT_TEST_PG_USER;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of wanted ? [wanted] : ['molimport-test', 'nobody']) {
    const fields = passwd.find((l) => l.startsWith(`${name}:`))?.split(':');
    if (fields !== undefined) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error(`no OS user ${wanted ?? 'molimport-test or nobody'} to run the throwaway PostgreSQL as`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('the probe server had no TCP address')),
      );
    });
  });
}

/** PIDs whose parent is `pid` (the postmaster's backends and auxiliary processes). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Whether `pid` still runs (a zombie nobody has reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Start a new throwaway PostgreSQL; always `stop()` it (e.g. in afterAll). */
export async function startThrowawayPg(options: ThrowawayPgOptions = {}): Promise<ThrowawayPg> {
  const bin = pgBinDir();
  if (bin === undefined)
    throw new Error('PostgreSQL server binaries (initdb) not found: apt-get install postgresql-15');
  const user = serverUser();
  const base = mkdtempSync(path.join(tmpdir(), 'molimport-pg-'));
  const dataDir = path.join(base, 'data');
  const logFile = path.join(base, 'server.log');
  const cleanupOnExit = () => {
    const pid = postmasterPid(dataDir);
    if (pid !== undefined) for (const p of [pid, ...childPids(pid)]) tryKill(p);
    rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', cleanupOnExit);
  if (user) chownSync(base, user.uid, user.gid);
  // A clean environment: the caller's PGHOST/PGPORT/PGUSER must not steer pg_ctl's readiness probe.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' };
  const exec = (tool: string, args: string[]) =>
    run(path.join(bin, tool), args, { env, cwd: base, uid: user?.uid, gid: user?.gid });

  const host = options.host ?? '127.0.0.1';
  let port = 0;
  try {
    await exec('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
    if (options.trustClients !== undefined)
      appendFileSync(path.join(dataDir, 'pg_hba.conf'), `host all all ${options.trustClients} trust\n`);
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings: Record<string, string> = {
        port: String(port),
        listen_addresses: `'${host}'`,
        // The socket lives with the cluster: /var/run/postgresql belongs to the machine's server.
        unix_socket_directories: `'${base}'`,
        // Durability against an OS crash is not under test (kill -9 of the server keeps the OS cache).
        fsync: 'off',
        shared_buffers: '32MB',
        ...options.settings,
      };
      const conf = Object.entries(settings).map(([k, v]) => `${k} = ${v}\n`);
      writeFileSync(path.join(dataDir, 'postgresql.auto.conf'), conf.join(''));
      try {
        await exec('pg_ctl', ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile]);
        break;
      } catch (err) {
        // Another process may have taken the free port between the probe and the start: try another.
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
        if (attempt >= 3 || !/could not bind|Address already in use/.test(log)) throw err;
      }
    }
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    cleanupOnExit();
    process.removeListener('exit', cleanupOnExit);
    throw new Error(`throwaway PostgreSQL did not start: ${(err as Error).message}\n${log}`);
  }

  let stopped = false;
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    port,
    dataDir,
    logFile,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (postmasterPid(dataDir) !== undefined)
        await exec('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', dataDir]).catch(() => undefined);
      cleanupOnExit();
      process.removeListener('exit', cleanupOnExit);
    },
    async restart() {
      const pid = postmasterPid(dataDir);
      if (pid === undefined || !alive(pid)) {
        await exec('pg_ctl', ['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile]);
        return;
      }
      await exec('pg_ctl', ['restart', '-w', '-t', '60', '-m', 'fast', '-D', dataDir, '-l', logFile]);
    },
    async shutdown() {
      if (postmasterPid(dataDir) !== undefined)
        await exec('pg_ctl', ['stop', '-w', '-t', '60', '-m', 'fast', '-D', dataDir]);
    },
    async kill() {
      const pid = postmasterPid(dataDir);
      if (pid === undefined || !alive(pid)) return;
      const pids = [pid, ...childPids(pid)];
      for (const p of pids) tryKill(p);
      const deadline = Date.now() + 30_000;
      while (pids.some(alive)) {
        if (Date.now() > deadline)
          throw new Error(`PostgreSQL processes ${pids.filter(alive).join(',')} survived SIGKILL`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // An unreaped zombie still passes kill(pid, 0), which pg_ctl and postgres use to see whether
      // the lock files' owners live: remove the locks of the dead server so that restart() can start.
      rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
      rmSync(path.join(base, `.s.PGSQL.${port}.lock`), { force: true });
    },
  };
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
