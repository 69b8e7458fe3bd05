/** npm test's last lines (scripts/test-summary.mjs): counts over both suites, skips listed, CI strict. */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../scripts/test-summary.mjs';

const root = '/repo';
function report(tests: [string, string][], fileStatus = 'passed', message = '') {
  const count = (s: string) => tests.filter(([, status]) => status === s).length;
  return {
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('pending'),
    numTodoTests: 0,
    testResults: [
      {
        name: '/repo/test/a.test.ts',
        status: fileStatus,
        message,
        assertionResults: tests.map(([fullName, status]) => ({ fullName, status })),
      },
    ],
  };
}

describe('summarize', () => {
  const main = report([
    ['a works', 'passed'],
    ['b [NOT TESTED: no tmux] fits', 'pending'],
  ]);
  const faults = report([
    ['c works', 'passed'],
    ['d breaks', 'failed'],
  ]);

  it('adds up both suites and lists what was skipped', () => {
    const { lines, ok } = summarize(
      [
        { name: 'main', exitCode: 0, report: main },
        { name: 'faults', exitCode: 1, report: faults },
      ],
      { strict: false, root },
    );
    expect(lines[0]).toBe('tests: 2 passed, 1 failed, 1 skipped');
    expect(lines).toContain('  - test/a.test.ts: b [NOT TESTED: no tmux] fits');
    expect(ok).toBe(false);
  });

  it('passes with skips, except under CI', () => {
    const suites = [{ name: 'main', exitCode: 0, report: main }];
    expect(summarize(suites, { strict: false, root }).ok).toBe(true);
    const strict = summarize(suites, { strict: true, root });
    expect(strict.ok).toBe(false);
    expect(strict.lines[1]).toMatch(/CI=true, so this fails the run/);
  });

  it('fails on a suite without a report, a file that did not load, or a failing exit code alone', () => {
    const passing = report([['a works', 'passed']]);
    const cases = [
      [{ name: 'faults', exitCode: 1, report: undefined }, /faults suite wrote no report/],
      [
        { name: 'main', exitCode: 1, report: report([], 'failed', 'Error: boom\n  at x') },
        /main suite: test\/a.test.ts failed to run: Error: boom$/,
      ],
      [{ name: 'main', exitCode: 1, report: passing }, /main suite: vitest exited with 1/],
    ] as const;
    for (const [suite, problem] of cases) {
      const { lines, ok } = summarize([suite], { strict: false, root });
      expect(ok).toBe(false);
      expect(lines.some((l) => problem.test(l))).toBe(true);
    }
  });
});
