/** releaseWritten: a committed item lets go of its text, so finished batches hold no record text. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { releaseWritten, type WorkItem } from '../../src/import/work-items.js';
import { readRecords } from '../../src/sources/read-records.js';
import { isReject, toMoleculeRow } from '../../src/transform/to-molecule-row.js';
import type { SourceRecord } from '../../src/types.js';

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));

async function firstItem(path: string, source: 'pubchem' | 'chembl'): Promise<WorkItem> {
  for await (const record of readRecords(path)) {
    const out = toMoleculeRow(record, source);
    if (isReject(out)) throw new Error(`unexpected reject: ${out.reason}`);
    return { fileIndex: 0, fileKey: path, seq: record.record, record, row: out };
  }
  throw new Error(`${path}: no records`);
}

describe('releaseWritten', () => {
  it('drops an SDF item’s row and text and keeps what the consumer counts by', async () => {
    const item = await firstItem(fixture('samples/pubchem_compound_head_245.sdf.gz'), 'pubchem');
    const record = item.record as Extract<SourceRecord, { format: 'sdf' }>;
    expect(record.raw.length).toBeGreaterThan(1000);
    expect(item.row?.molfile).toContain('M  END');

    releaseWritten(item);

    expect(item.row).toBeUndefined();
    expect(record.raw).toBe('');
    expect(record.molfile).toBe('');
    expect(record.title).toBe('');
    expect(record.fields.size).toBe(0);
    // Origin and ordering survive: the tally, the ledger and the progress read them.
    expect(item).toMatchObject({ fileIndex: 0, seq: 1 });
    expect(record).toMatchObject({ record: 1, line: 1, format: 'sdf' });
  });

  it('drops a CSV item’s fields and row text', async () => {
    const item = await firstItem(fixture('chembl_tabular/kffl_chembl_25_chemreps_top100.txt'), 'chembl');
    expect(item.record.fields.size).toBeGreaterThan(0);
    releaseWritten(item);
    expect(item.row).toBeUndefined();
    expect(item.record.raw).toBe('');
    expect(item.record.fields.size).toBe(0);
    expect(item.record).toMatchObject({ format: 'csv', record: 1 });
  });
});
