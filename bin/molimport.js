#!/usr/bin/env node
// The one place that calls process.exit. Ctrl-C / SIGTERM abort the run cleanly (exit 130);
// a second signal exits at once (committed batches stay; --resume continues).
import { applyHeapPolicy } from '../dist/cli/heap-policy.js';
import { startHeapWatchdog } from '../dist/cli/heap-watchdog.js';
import { applyWasmPolicy } from '../dist/cli/wasm-policy.js';
import { main } from '../dist/cli/main.js';
import { writeNotice } from '../dist/cli/notice.js';
import { invokedAs } from '../dist/cli/io.js';

// Keep the heap near what the import holds alive (src/cli/heap-policy.ts), and collect again when
// a full collection overstates it (src/cli/heap-watchdog.ts). Neither when the user chose heap flags.
try {
  if (applyHeapPolicy() !== undefined) startHeapWatchdog();
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
  command: invokedAs(process.argv[1], process.cwd()),
});
// Let stdout drain before exiting so a piped --json object is never cut.
process.stdout.write('', () => process.exit(code));
