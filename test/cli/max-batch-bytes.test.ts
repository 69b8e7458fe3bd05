/** --max-batch-bytes caps adaptive batches by the bytes of their records (a dry run: no database). */
import { describe, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const PUBCHEM = 'fixtures/samples/pubchem_compound_head_245.sdf.gz';

describe('--max-batch-bytes', () => {
  it('makes adaptive batches smaller, and every record is still read', async () => {
    const run = async (extra: string[]) => {
      const r = await runCli(['pubchem', PUBCHEM, '--dry-run', '--json', '--batch-size', '200', ...extra], {
        env: { PATH: process.env.PATH },
        cwd: process.cwd(),
      });
      expect(r.code).toBe(0);
      return parseJsonStats(r.stdout);
    };
    const capped = await run(['--max-batch-bytes', '64KiB']);
    const free = await run([]);
    expect(capped.read).toBe(245);
    expect(free.read).toBe(245);
    // 64 KiB is ~13 typical PubChem records (5,000 bytes each); records weigh by their atoms, so
    // a batch of small molecules holds a few more.
    expect(capped.batchSize.max).toBeLessThanOrEqual(40);
    expect(capped.batchSize.max).toBeLessThan(free.batchSize.max);
    expect(capped.batches).toBeGreaterThan(free.batches);
  });

  it('refuses a value below 64 KiB or not a size, saying what it expected', async () => {
    const tiny = await runCli(['pubchem', PUBCHEM, '--dry-run', '--max-batch-bytes', '1KiB'], {
      env: { PATH: process.env.PATH },
    });
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toMatch(
      /--max-batch-bytes <size>' argument '1KiB' is invalid\. expected at least 64KiB/,
    );
    const junk = await runCli(['pubchem', PUBCHEM, '--dry-run', '--max-batch-bytes', 'lots'], {
      env: { PATH: process.env.PATH },
    });
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/--max-batch-bytes/);
  });
});
