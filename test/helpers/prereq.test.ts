/**
 * The prerequisite helper, end to end: a vitest of its own runs a fixture with one missing and one
 * present prerequisite, without CI (skipped, one loud line, the reason in the test names) and with
 * CI=true (the same tests fail).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const CONFIG = path.join(import.meta.dirname, 'prereq-fixture', 'vitest.config.ts');
const LINE =
  '!!! NOT TESTED: the frobnicator tests — frobnicator is not installed. To enable: apt-get install frobnicator';

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

const dir = mkdtempSync(path.join(tmpdir(), 'molimport-prereq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runFixture(ci: boolean): { code: number | null; stderr: string; report: Report } {
  const out = path.join(dir, `${ci ? 'ci' : 'local'}.json`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (ci) env.CI = 'true';
  const r = spawnSync(process.execPath, [VITEST, 'run', '-c', CONFIG, '--outputFile.json', out], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  return { code: r.status, stderr: r.stderr, report: JSON.parse(readFileSync(out, 'utf8')) as Report };
}

const byName = (report: Report) =>
  Object.fromEntries(report.testResults.flatMap((f) => f.assertionResults).map((a) => [a.fullName, a]));

describe('prerequisites', () => {
  it('missing: the tests are skipped with the reason in their names, and one loud line says so', () => {
    const { code, stderr, report } = runFixture(false);
    expect(code).toBe(0);
    expect(stderr.split('\n').filter((l) => l === LINE)).toHaveLength(1);
    expect(report).toMatchObject({ numPassedTests: 1, numFailedTests: 0, numPendingTests: 2 });
    const tests = byName(report);
    expect(tests['widgets works']?.status).toBe('passed');
    expect(tests['frobnication [NOT TESTED: frobnicator is not installed] frobs']?.status).toMatch(
      /pending|skipped/,
    );
    expect(tests['frobs alone [NOT TESTED: frobnicator is not installed]']?.status).toMatch(
      /pending|skipped/,
    );
  });

  it('missing under CI=true: the same tests fail, saying what is missing', () => {
    const { code, report } = runFixture(true);
    expect(code).toBe(1);
    expect(report).toMatchObject({ numPassedTests: 1, numFailedTests: 2, numPendingTests: 0 });
    const failed = report.testResults.flatMap((f) => f.assertionResults).filter((a) => a.status === 'failed');
    expect(failed.map((a) => a.fullName).sort()).toEqual([
      'frobnication prerequisite: the frobnicator tests',
      'frobs alone',
    ]);
    for (const a of failed) expect(a.failureMessages.join('\n')).toContain(LINE);
  });
});
