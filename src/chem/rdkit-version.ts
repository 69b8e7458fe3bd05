/**
 * The RDKit release molimport computes with, without loading it (read from @rdkit/rdkit's
 * package.json), and the comparison with the cartridge's: the same structure can get a different
 * canonical SMILES or stereo perception across releases, so a mismatch is worth a warning.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** `2026.09.1` from the package version `2026.9.1`, or null when it cannot be read. */
export function packagedRdkitVersion(): string | null {
  try {
    // The package's `exports` hide package.json: find it beside the entry point's folder.
    let dir = dirname(createRequire(import.meta.url).resolve('@rdkit/rdkit'));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? normalizeRdkitVersion(version) : null;
  } catch {
    return null;
  }
}

/** `2026.9.1` → `2026.09.1` (RDKit names releases year.month.patch with a two-digit month). */
export function normalizeRdkitVersion(version: string): string {
  const match = /^(\d{4})\.(\d{1,2})(?:\.(\d+))?/.exec(version.trim());
  if (match === null) return version.trim();
  return `${match[1]}.${match[2]!.padStart(2, '0')}${match[3] !== undefined ? `.${match[3]}` : ''}`;
}

/** Whether two RDKit versions are the same release (year and month; patch releases agree). */
export function sameRdkitRelease(a: string, b: string): boolean {
  return normalizeRdkitVersion(a).slice(0, 7) === normalizeRdkitVersion(b).slice(0, 7);
}
