#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=60
// The one place that calls process.exit. Ctrl-C / SIGTERM abort the run cleanly (exit 130);
// a second signal exits at once (committed batches stay; --resume continues).
//
// The heap flags on the line above are the documented way to give V8 flags to a program (Node.js
// refuses them in NODE_OPTIONS): a young generation of 2 × 4 MiB instead of 2 × 16 MiB and old-
// generation growth of 1.6× the live set instead of up to 4× keep peak RSS under 200 MB at any
// input size (docs/performance.md, "Memory"). `node bin/molimport.js` skips the line and runs with
// V8's defaults; `node --max-semi-space-size=… bin/molimport.js` chooses other values.
import { applyWasmPolicy } from '../dist/cli/wasm-policy.js';
import { main } from '../dist/cli/main.js';
import { writeNotice } from '../dist/cli/notice.js';
import { invokedAs } from '../dist/cli/io.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The variable that set the heap policy at run time before the flags moved to the #! line: say so
// rather than ignore a cron job's setting silently.
if (process.env.MOLIMPORT_HEAP_GROWING_PERCENT !== undefined) {
  writeNotice(
    process.stderr,
    'warn',
    "MOLIMPORT_HEAP_GROWING_PERCENT is no longer read: name the heap flags on node's command line, " +
      'e.g. node --heap-growing-percent=100 bin/molimport.js … (docs/operations.md, "Process tuning")',
    { code: 'MOLIMPORT_ENV_IGNORED' },
  );
}

try {
  // Baseline-compiled WebAssembly only, unless RDKit reads every record: see src/cli/wasm-policy.ts.
  applyWasmPolicy();
} catch (err) {
  writeNotice(process.stderr, 'error', err.message, { code: 'MOLIMPORT_USAGE', exitCode: 2 });
  process.exit(2);
}

// Without a terminal stderr is JSON lines only: Node's own warnings too (its default printer is a
// plain 'warning' listener, replaced here).
if (!process.stderr.isTTY) {
  process.removeAllListeners('warning');
  process.on('warning', (w) =>
    writeNotice(process.stderr, 'warn', `${w.name}: ${w.message}`, w.code ? { code: w.code } : {}),
  );
}

const controller = new AbortController();
let signals = 0;
const onSignal = (name) => {
  signals++;
  if (signals > 1) {
    if (process.stderr.isTTY) process.stderr.write('\n');
    writeNotice(process.stderr, 'warn', `${name} again, exiting now; committed batches stay (use --resume)`);
    process.exit(130);
  }
  // main() prints the notice: above the progress bar at a terminal, as a JSON log line without one.
  controller.abort(new Error(name));
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
  command: invokedAs(process.argv[1], process.cwd(), ranAsProgram()),
});
// Let stdout drain before exiting so a piped --json object is never cut.
process.stdout.write('', () => process.exit(code));

/** Whether node was started with this file's #! flags, i.e. the kernel ran the file as a program. */
function ranAsProgram() {
  const first = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n', 1)[0];
  const flags = first.split(' ').filter((w) => w.startsWith('--'));
  return flags.length > 0 && flags.every((f) => process.execArgv.includes(f));
}
