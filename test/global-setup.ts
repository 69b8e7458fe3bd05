/**
 * Tests that spawn `bin/molimport.js` or start worker threads run built JavaScript (Node 20 workers
 * cannot load .ts). Build once here when dist/ is missing or older than any source file, so that
 * `npx vitest run` works on its own as well as under `npm test`; likewise the embedded database's
 * template (scripts/build-pgdata-template.mjs).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  let built = 0;
  try {
    built = statSync(path.join(root, 'dist', 'index.js')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built < newestMtime(path.join(root, 'src'))) {
    console.error('[setup] building dist/ (tsc -p tsconfig.build.json)');
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      { cwd: root, stdio: 'inherit' },
    );
  }
  // The embedded database's template (the rest of `npm run build`); a no-op when up to date.
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-pgdata-template.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}
