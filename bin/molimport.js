#!/usr/bin/env node
// The one place that calls process.exit. Ctrl-C / SIGTERM abort the run cleanly (exit 130);
// a second signal exits at once (committed batches stay; --resume continues).
import { applyHeapPolicy } from '../dist/cli/heap-policy.js';
import { startHeapWatchdog } from '../dist/cli/heap-watchdog.js';
import { applyWasmPolicy } from '../dist/cli/wasm-policy.js';
import { main } from '../dist/cli/main.js';

// Keep the heap near what the import holds alive (src/cli/heap-policy.ts), and collect again when
// a full collection overstates it (src/cli/heap-watchdog.ts). Neither when the user chose heap flags.
try {
  if (applyHeapPolicy() !== undefined) startHeapWatchdog();
  // Baseline-compiled WebAssembly only: see src/cli/wasm-policy.ts for why and the figures.
  applyWasmPolicy();
} catch (err) {
  process.stderr.write(`molimport: ${err.message}\n`);
  process.exit(2);
}

const controller = new AbortController();
let signals = 0;
const onSignal = (name) => {
  signals++;
  if (signals > 1) {
    process.stderr.write(`\nmolimport: ${name} again, exiting now; committed batches stay (use --resume)\n`);
    process.exit(130);
  }
  process.stderr.write(`\nmolimport: ${name} received, finishing in-flight batches (again to exit now)\n`);
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
});
// Let stdout drain before exiting so a piped --json object is never cut.
process.stdout.write('', () => process.exit(code));
