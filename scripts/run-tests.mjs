#!/usr/bin/env node
// The test step of `npm test` (and .ci/run): both vitest suites — the main one, then fault
// injection (vitest.faults.config.ts) — always run, even when the first fails, and one plain line
// sums them up: `tests: N passed, N failed, N skipped`, followed by what was skipped and why.
// Under CI (CI=true) a skipped test fails the run: CI installs every prerequisite (.ci/run).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './test-summary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const suites = [
  { name: 'main', args: ['run'], report: 'test-results/main.json' },
  { name: 'faults', args: ['run', '-c', 'vitest.faults.config.ts'], report: 'test-results/faults.json' },
];

const outcomes = [];
for (const suite of suites) {
  const report = path.join(root, suite.report);
  rmSync(report, { force: true });
  console.error(`\n== ${suite.name} suite: vitest ${suite.args.join(' ')}`);
  const run = spawnSync(process.execPath, [vitest, ...suite.args], { cwd: root, stdio: 'inherit' });
  outcomes.push({
    name: suite.name,
    exitCode: run.status ?? run.signal,
    report: existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined,
  });
}
const strict = process.env.CI === 'true' || process.env.CI === '1';
const { lines, ok } = summarize(outcomes, { strict, root });
console.log(`\n${lines.join('\n')}`);
process.exit(ok ? 0 : 1);
