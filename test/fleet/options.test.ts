/** What a job set stores of the import options, and what `enqueue` refuses (no database needed). */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { storedOptions } from '../../src/fleet/options.js';
import { generatedSetName } from '../../src/fleet/enqueue.js';

describe('storedOptions', () => {
  it('keeps the import settings and drops the inputs, the database and per-process things', () => {
    const stored = storedOptions({
      source: 'pubchem',
      files: ['a.sdf.gz'],
      database: 'postgres://u:secret@h/db',
      env: { DATABASE_URL: 'x' },
      cwd: '/tmp',
      mode: 'replace',
      batchSize: 100,
      compute: ['inchikey'],
      table: 't1',
      logger: undefined,
    });
    expect(stored).toEqual({ mode: 'replace', batchSize: 100, compute: ['inchikey'], table: 't1' });
    expect(JSON.stringify(stored)).not.toContain('secret');
  });

  it.each([
    [{ files: ['-'] }, /standard input/],
    [{ dryRun: true }, /--dry-run/],
    [{ resume: true }, /--resume is implied/],
    [{ rejectsFile: 'r.sdf' }, /each job writes its own rejects file/],
  ])('refuses %j', (extra, message) => {
    const call = () => storedOptions({ source: 'chembl', files: ['a.sdf'], ...extra });
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });
});

describe('generatedSetName', () => {
  it('is time-stamped, random-suffixed, and a valid set name', () => {
    const name = generatedSetName(new Date('2026-12-01T23:45:06Z'));
    expect(name).toMatch(/^set-20261201-234506-[0-9a-f]{6}$/);
    expect(generatedSetName()).not.toBe(generatedSetName());
  });
});
