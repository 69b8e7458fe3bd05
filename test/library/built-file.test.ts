import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtFile } from '../../src/built-file.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('builtFile', () => {
  it('maps a worker entry wanted beside a source module to the same path under dist/', () => {
    const wanted = pathToFileURL(path.join(root, 'src/engine/worker-entry.js'));
    const found = builtFile(wanted);
    expect(found).toBe(path.join(root, 'dist/engine/worker-entry.js'));
    expect(existsSync(found!)).toBe(true);
  });

  it('returns a file that exists beside its caller as it is, and undefined when there is none', () => {
    const beside = path.join(root, 'package.json');
    expect(builtFile(pathToFileURL(beside))).toBe(beside);
    expect(builtFile(pathToFileURL(path.join(root, 'src/engine/no-such-entry.js')))).toBeUndefined();
    // Outside src/ nothing is mapped.
    expect(builtFile(pathToFileURL(path.join(root, 'test/no-such-file.js')))).toBeUndefined();
  });
});
