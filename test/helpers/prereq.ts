/**
 * Tests that need something beyond Node (PostgreSQL, its RDKit cartridge, initdb, tmux, ...) go
 * through here. Where it is missing, the tests are skipped with ONE loud line on stderr saying what
 * was not tested and how to enable it, and the skipped tests carry the reason in their name (so
 * scripts/run-tests.mjs can list them at the end). Under CI (`CI=true`) a missing prerequisite is a
 * failure instead: CI installs everything (.ci/run), so nothing may go untested there.
 *
 *   const pg = await prereqs.postgres();
 *   describeWith(pg)('against the real server', () => { ... });
 *   itWith(prereqs.command('tmux', 'apt-get install -y tmux'))('fits 80 columns', async () => { ... });
 */
import { execFileSync } from 'node:child_process';
import { describe, it, type TestFunction } from 'vitest';
import { realPostgresReachable, testDatabaseUrl } from './db.js';
import { pgBinDir } from './throwaway-pg.js';

export interface Prerequisite {
  /** What goes untested without it, e.g. "PostgreSQL restart during an import". */
  readonly what: string;
  /** Why it is missing, or undefined when it is present. */
  readonly missing: string | undefined;
  /** How to enable those tests. */
  readonly enable: string;
}

/** True under CI, where a missing prerequisite fails instead of skipping. */
export function strictPrerequisites(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

const announced = new Set<string>();

/** The one loud line for a missing prerequisite (printed once per process and prerequisite). */
export function notTestedLine(p: Prerequisite): string {
  return `!!! NOT TESTED: ${p.what} — ${p.missing}. To enable: ${p.enable}`;
}

function announce(p: Prerequisite): void {
  const line = notTestedLine(p);
  if (announced.has(line)) return;
  announced.add(line);
  // Straight to stderr, not console: one line, not buried in a per-test output block.
  process.stderr.write(`\n${line}${strictPrerequisites() ? ' (CI: failing instead of skipping)' : ''}\n`);
}

/** A prerequisite named `what`, missing for the reason `missing` (undefined = present). */
export function prerequisite(what: string, missing: string | undefined, enable: string): Prerequisite {
  const p = { what, missing, enable };
  if (missing !== undefined) announce(p);
  return p;
}

function firstMissing(ps: Prerequisite | readonly Prerequisite[]): Prerequisite | undefined {
  const list: readonly Prerequisite[] = 'what' in ps ? [ps] : ps;
  return list.find((p) => p.missing !== undefined);
}

function failure(p: Prerequisite): Error {
  return new Error(`${notTestedLine(p)} (CI=true: every prerequisite must be installed, see .ci/run)`);
}

type Body = () => void;
type TestBody = TestFunction;

/** `describe` when every prerequisite is present; else skipped loudly (a failing test under CI). */
export function describeWith(ps: Prerequisite | readonly Prerequisite[]): (name: string, body: Body) => void {
  const missing = firstMissing(ps);
  if (missing === undefined) return (name, body) => describe(name, body);
  if (strictPrerequisites())
    return (name) =>
      describe(name, () =>
        it(`prerequisite: ${missing.what}`, () => {
          throw failure(missing);
        }),
      );
  return (name, body) => describe.skip(`${name} [NOT TESTED: ${missing.missing}]`, body);
}

/** `it` when every prerequisite is present; else skipped loudly (a failing test under CI). */
export function itWith(
  ps: Prerequisite | readonly Prerequisite[],
): (name: string, body: TestBody, timeoutMs?: number) => void {
  const missing = firstMissing(ps);
  if (missing === undefined) return (name, body, timeoutMs) => it(name, body, timeoutMs);
  if (strictPrerequisites())
    return (name) =>
      it(name, () => {
        throw failure(missing);
      });
  return (name, body) => it.skip(`${name} [NOT TESTED: ${missing.missing}]`, body);
}

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The prerequisites the suites share. Each probes once per call; call them at module top level. */
export const prereqs = {
  /** The real PostgreSQL the database tests also run against (they run on PGlite regardless). */
  async postgres(what = 'tests against a real PostgreSQL server'): Promise<Prerequisite> {
    return prerequisite(
      what,
      (await realPostgresReachable())
        ? undefined
        : `PostgreSQL at ${new URL(testDatabaseUrl()).host} is not reachable`,
      'start PostgreSQL (trust auth, a database "test") on 127.0.0.1:5432, or set MOLIMPORT_TEST_DATABASE_URL',
    );
  },

  /** The RDKit cartridge (`CREATE EXTENSION rdkit`) on the real PostgreSQL. */
  async rdkitCartridge(what = 'the RDKit cartridge (--rdkit-mol on PostgreSQL)'): Promise<Prerequisite> {
    const enable = 'apt-get install -y postgresql-15-rdkit (and the script fix in .ci/run), or run .ci/run';
    const pg = await prereqs.postgres(what);
    if (pg.missing !== undefined) return pg;
    // Imported here: the sink module is only needed when a server answers.
    const { DatabaseOperations } = await import('../../src/sink/index.js');
    const db = await DatabaseOperations.open({ connectionString: testDatabaseUrl(), maxConnections: 1 });
    try {
      const rows = await db.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'rdkit'`);
      const missing =
        rows.length > 0
          ? undefined
          : `the server at ${new URL(testDatabaseUrl()).host} has no rdkit extension`;
      return prerequisite(what, missing, enable);
    } finally {
      await db.close();
    }
  },

  /** PostgreSQL's server binaries, for tests that start their own throwaway server. */
  initdb(what = 'tests that restart, kill or break a PostgreSQL server'): Prerequisite {
    return prerequisite(
      what,
      pgBinDir() === undefined ? 'PostgreSQL server binaries (initdb, pg_ctl) are not installed' : undefined,
      'apt-get install -y postgresql-15 (or set MOLIMPORT_TEST_PG_BIN to their directory)',
    );
  },

  /** A command on PATH, e.g. `prereqs.command('tmux', 'apt-get install -y tmux')`. */
  command(name: string, install: string, what = `tests that need ${name}`): Prerequisite {
    return prerequisite(what, onPath(name) ? undefined : `${name} is not on PATH`, install);
  },

  /** Running as root (uid 0). */
  root(what: string, enable = 'run the tests as root (as CI does)'): Prerequisite {
    return prerequisite(what, process.getuid?.() === 0 ? undefined : 'not running as root', enable);
  },
};
