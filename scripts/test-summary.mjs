// The end of `npm test` (scripts/run-tests.mjs): one plain line over both vitest suites' JSON
// reports, what was skipped and why, and whether the run passed. Pure, so it is unit-tested.
import path from 'node:path';

/**
 * @param {{ name: string, exitCode: number | null, report: any }[]} suites  report: vitest's JSON
 *   report, or undefined when the suite wrote none
 * @param {{ strict: boolean, root: string }} options  strict: a skipped test fails the run (CI)
 * @returns {{ lines: string[], ok: boolean }}
 */
export function summarize(suites, { strict, root }) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const problems = [];
  const skippedNames = [];
  for (const { name, exitCode, report: r } of suites) {
    if (r === undefined) {
      problems.push(`${name} suite wrote no report (vitest exited with ${exitCode})`);
      continue;
    }
    const problemsBefore = problems.length;
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
    for (const file of r.testResults) {
      const rel = path.relative(root, file.name);
      // A file that failed to load (e.g. a top-level error) has no failed test to count.
      if (file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed'))
        problems.push(`${name} suite: ${rel} failed to run: ${String(file.message).split('\n')[0]}`);
      for (const a of file.assertionResults)
        if (a.status === 'pending' || a.status === 'skipped' || a.status === 'todo')
          skippedNames.push(`${rel}: ${a.fullName}`);
    }
    // E.g. an unhandled error outside any test: vitest fails the run with every test passed.
    if (exitCode !== 0 && r.numFailedTests === 0 && problems.length === problemsBefore)
      problems.push(`${name} suite: vitest exited with ${exitCode}`);
  }
  const lines = [`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`];
  if (skippedNames.length > 0) {
    lines.push(`skipped (NOT tested${strict ? ' — CI=true, so this fails the run' : ''}):`);
    for (const n of skippedNames.slice(0, 30)) lines.push(`  - ${n}`);
    if (skippedNames.length > 30) lines.push(`  ... and ${skippedNames.length - 30} more`);
  }
  for (const p of problems) lines.push(`!!! ${p}`);
  return { lines, ok: failed === 0 && problems.length === 0 && !(strict && skipped > 0) };
}
