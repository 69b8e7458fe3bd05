/** The mirror options checked once, before anything is read; the release read from a file name. */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { resolveImportConfig } from '../../src/import/config.js';
import { releaseOf } from '../../src/import/inputs.js';
import type { ImportOptions } from '../../src/import/options.js';

const base: ImportOptions = { source: 'chembl', files: ['a.sdf.gz'] };
const bad = (o: Partial<ImportOptions>) => () => resolveImportConfig({ ...base, ...o });

describe('mirror options', () => {
  it('defaults: checksum auto, guard 0.05, no sync, 5 retries', () => {
    const cfg = resolveImportConfig(base);
    expect(cfg).toMatchObject({
      checksum: 'auto',
      maxDeleteFraction: 0.05,
      sync: undefined,
      httpRetries: 5,
      force: false,
    });
    expect(resolveImportConfig({ ...base, sync: true }).sync).toBe('hard');
    expect(resolveImportConfig({ ...base, sync: 'soft' }).sync).toBe('soft');
  });

  it('refuses what cannot work, saying what was expected', () => {
    expect(bad({ sync: true, limit: 10 })).toThrow(
      /sync needs the whole release: it cannot be combined with limit/,
    );
    expect(bad({ files: ['a', 'b'], checksum: `md5:${'0'.repeat(32)}` })).toThrow(
      /names one file's checksum, but 2 inputs/,
    );
    expect(bad({ checksum: 'md5:xyz' })).toThrow(ConfigurationError);
    expect(bad({ maxDeleteFraction: 1.5 })).toThrow(
      /maxDeleteFraction: expected a ratio from 0 to 1, got 1.5/,
    );
    expect(bad({ sync: 'yes' as never })).toThrow(/sync: expected true, 'hard' or 'soft', got "yes"/);
    expect(bad({ release: 'a b' })).toThrow(/release: expected 1-100 letters/);
    expect(bad({ httpRetries: 101 })).toThrow(/httpRetries: expected an integer from 0 to 100/);
  });

  it('reads chembl_NN from a ChEMBL file name or URL; --release wins', () => {
    expect(releaseOf('/data/chembl_35.sdf.gz', undefined)).toBe('chembl_35');
    expect(releaseOf('https://example.org/releases/chembl_36/chembl_36_chemreps.txt.gz', undefined)).toBe(
      'chembl_36',
    );
    expect(releaseOf('Compound_000000001_000500000.sdf.gz', undefined)).toBeNull();
    expect(releaseOf('/data/chembl_35.sdf.gz', '2026-12-01')).toBe('2026-12-01');
  });
});
