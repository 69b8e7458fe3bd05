import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This module's own folder: `dist/` when the package runs built, `src/` when tests run the sources. */
const HERE = fileURLToPath(new URL('.', import.meta.url));

/**
 * The built JavaScript file for `wanted` (a `.js` URL beside the calling module), for files that
 * must be loaded as JavaScript, such as worker-thread entries: Node 20's worker threads cannot load
 * TypeScript. From `dist/` the file is beside its caller; when the caller runs from `src/` (vitest,
 * tsx), it is the same path under `dist/`, so `npm run build` must have run. Undefined when neither
 * exists.
 */
export function builtFile(wanted: URL): string | undefined {
  const beside = fileURLToPath(wanted);
  if (existsSync(beside)) return beside;
  if (path.basename(HERE) !== 'src') return undefined;
  const inSrc = path.relative(HERE, beside);
  if (inSrc.startsWith('..') || path.isAbsolute(inSrc)) return undefined;
  const built = path.join(HERE, '..', 'dist', inSrc);
  return existsSync(built) ? built : undefined;
}
