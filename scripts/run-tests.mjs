#!/usr/bin/env node
// The test step of `npm test` (and .ci/run): both vitest suites — the main one, then fault
// injection (vitest.faults.config.ts) — always run, even when the first fails, and one plain line
// sums them up: `tests: N passed, N failed, N skipped`, followed by what was skipped and why.
// Under CI (CI=true) a skipped test fails the run: CI installs every prerequisite (.ci/run).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const suites = [
  { name: 'main', args: ['run'], report: 'test-results/main.json' },
  { name: 'faults', args: ['run', '-c', 'vitest.faults.config.ts'], report: 'test-results/faults.json' },
];
const strict = process.env.CI === 'true' || process.env.CI === '1';

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
const skippedNames = [];
for (const suite of suites) {
  const report = path.join(root, suite.report);
  const problemsBefore = problems.length;
  rmSync(report, { force: true });
  console.error(`\n== ${suite.name} suite: vitest ${suite.args.join(' ')}`);
  const run = spawnSync(process.execPath, [vitest, ...suite.args], { cwd: root, stdio: 'inherit' });
  if (!existsSync(report)) {
    problems.push(`${suite.name} suite wrote no report (vitest exited with ${run.status ?? run.signal})`);
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  for (const file of r.testResults) {
    const rel = path.relative(root, file.name);
    // A file that failed to load (e.g. a top-level error) has no failed test to count.
    if (file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed'))
      problems.push(`${suite.name} suite: ${rel} failed to run: ${String(file.message).split('\n')[0]}`);
    for (const a of file.assertionResults)
      if (a.status === 'pending' || a.status === 'skipped' || a.status === 'todo')
        skippedNames.push(`${rel}: ${a.fullName}`);
  }
  // E.g. an unhandled error outside any test: vitest fails the run with every test passed.
  if (run.status !== 0 && r.numFailedTests === 0 && problems.length === problemsBefore)
    problems.push(`${suite.name} suite: vitest exited with ${run.status ?? run.signal}`);
}

console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (skippedNames.length > 0) {
  console.log(`skipped (NOT tested${strict ? ' — CI=true, so this fails the run' : ''}):`);
  for (const name of skippedNames.slice(0, 30)) console.log(`  - ${name}`);
  if (skippedNames.length > 30) console.log(`  ... and ${skippedNames.length - 30} more`);
}
for (const p of problems) console.log(`!!! ${p}`);
process.exit(failed > 0 || problems.length > 0 || (strict && skipped > 0) ? 1 : 0);
