import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdaptiveBatchProcessor,
  ChemicalDataBatchStrategy,
  SOURCE_PROFILES,
} from '../../src/engine/index.js';
import type { ComputeField } from '../../src/chem/fields.js';
import {
  createChemistryStage,
  type ChemistryStage,
  type ChemistryStageOptions,
} from '../../src/import/chemistry-stage.js';
import type { WorkItem } from '../../src/import/work-items.js';
import { readRecords } from '../../src/sources/read-records.js';
import { isReject, toMoleculeRow } from '../../src/transform/to-molecule-row.js';
import type { DataSource, SdfRecord, SourceRecord } from '../../src/types.js';
import { ensureChemBuilt, ethanol, PENTAVALENT_CARBON } from '../chem/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (path: string): string => join(ROOT, 'fixtures', path);
const HUGE = fixture('nasty_sdf/cdk_pubchem_24763_huge_801_atoms.sdf');
const FAULTY_WORKER = fileURLToPath(new URL('../chem/fixtures/faulty-worker.mjs', import.meta.url));

async function records(path: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const record of readRecords(path)) out.push(record);
  return out;
}

/** WorkItems as run-import builds them (readWorkItems), from real records. */
function workItems(list: readonly SourceRecord[], source: DataSource, fileIndex = 0): WorkItem[] {
  return list.map((record) => {
    const out = toMoleculeRow(record, source);
    const item: WorkItem = {
      fileIndex,
      fileKey: record.file,
      seq: record.record,
      weight: record.bytes,
      record,
    };
    if (isReject(out)) item.reject = out;
    else item.row = out;
    return item;
  });
}

beforeAll(() => {
  ensureChemBuilt();
});

// Two threads: the CI machine has two cores, and the pool is the same code at any count.
const stages = new Map<string, ChemistryStage>();
function stage(
  options: Omit<Partial<ChemistryStageOptions>, 'compute'> & { compute: ComputeField[] },
): ChemistryStage {
  const key = JSON.stringify(options);
  let created = stages.get(key);
  if (created === undefined) {
    created = createChemistryStage({
      validate: false,
      recompute: false,
      threads: 2,
      perRecordTimeoutMs: 10_000,
      ...options,
      compute: new Set(options.compute),
    });
    stages.set(key, created);
  }
  return created;
}
afterAll(async () => {
  await Promise.all([...stages.values()].map((s) => s.close()));
});

describe('atom weighting in ChemicalDataBatchStrategy (issue 7 item 4)', () => {
  /** Item shape the lead should build for SDF records: `atomCount` set, no `weight`. */
  type AtomItem = Omit<WorkItem, 'weight'> & { weight?: number; atomCount?: number };
  const atomItem = (record: SourceRecord, seq: number): AtomItem =>
    record.format === 'sdf' && record.atomCount !== undefined && record.atomCount > 0
      ? { fileIndex: 0, fileKey: record.file, seq, record, atomCount: record.atomCount }
      : { fileIndex: 0, fileKey: record.file, seq, record, weight: record.bytes };

  async function firstBatchSizes(items: AtomItem[]): Promise<number[]> {
    const processor = new AdaptiveBatchProcessor<AtomItem, number>({
      processFunc: (batch) => batch.map((i) => i.seq),
      strategy: new ChemicalDataBatchStrategy<AtomItem>({ dataSource: 'pubchem', weightUnit: 'bytes' }),
      maxWorkers: 1,
    });
    const sizes: number[] = [];
    for await (const batch of processor.stream(items)) sizes.push(batch.size);
    await processor.close();
    return sizes;
  }

  it('reads the atom count of the 801-atom PubChem record from the parser', async () => {
    const [huge] = (await records(HUGE)) as SdfRecord[];
    expect(huge!.atomCount).toBe(801);
  });

  it('weighs an item by atomCount when it has no weight, and by its weight (bytes) when it has one', async () => {
    const [huge] = await records(HUGE);
    const strategy = new ChemicalDataBatchStrategy<AtomItem>({ dataSource: 'pubchem', weightUnit: 'bytes' });
    const byAtoms = strategy.itemWeight(atomItem(huge!, 1));
    expect(byAtoms).toBeCloseTo(801 / SOURCE_PROFILES.pubchem.typicalAtoms, 6);
    // What run-import does today (weight = record bytes): the weight wins, atomCount is never read.
    const byBytes = strategy.itemWeight({ ...atomItem(huge!, 1), weight: huge!.bytes });
    expect(byBytes).toBeCloseTo(huge!.bytes / SOURCE_PROFILES.pubchem.typicalBytes, 6);
  });

  it('puts fewer 801-atom molecules than ordinary PubChem molecules in a batch', async () => {
    const [huge] = await records(HUGE);
    const small = await records(fixture('samples/pubchem_compound_head_245.sdf.gz'));
    const hugeItems = Array.from({ length: 300 }, (_, i) => atomItem(huge!, i + 1));
    const smallItems = Array.from({ length: 1200 }, (_, i) => atomItem(small[i % small.length]!, i + 1));
    const hugeSizes = await firstBatchSizes(hugeItems);
    const smallSizes = await firstBatchSizes(smallItems);
    const meanAtoms = small.reduce((n, r) => n + ((r as SdfRecord).atomCount ?? 0), 0) / small.length;
    console.log(
      `batch sizes, pubchem profile (250 typical molecules of ${SOURCE_PROFILES.pubchem.typicalAtoms} atoms): ` +
        `801-atom records ${hugeSizes.slice(0, 3).join(', ')}…; ordinary records (mean ${meanAtoms.toFixed(1)} atoms) ${smallSizes.slice(0, 3).join(', ')}…`,
    );
    // The first batch (before any adaptation): a budget of 250 typical records.
    expect(hugeSizes[0]).toBe(Math.floor(250 / (801 / SOURCE_PROFILES.pubchem.typicalAtoms)));
    expect(hugeSizes[0]!).toBeLessThan(20);
    expect(smallSizes[0]!).toBeGreaterThan(100);
    expect(hugeSizes.reduce((a, b) => a + b, 0)).toBe(300);
  });
});

describe('chemistry stage on WorkItems', () => {
  let dir: string;
  let badFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'molimport-chem-stage-'));
    badFile = join(dir, 'bad-valence.sdf');
    const record = (molfile: string, cid: number): string =>
      `${molfile}> <PUBCHEM_COMPOUND_CID>\n${cid}\n\n$$$$\n`;
    writeFileSync(
      badFile,
      record(ethanol('good'), 1) + record(PENTAVALENT_CARBON, 2) + record(ethanol('good too'), 3),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--compute inchikey --recompute: InChIKeys equal PubChem’s own for ≥98% of the records carrying one', async () => {
    const files = [
      'pubchem_sdf/indigo_Compound_0000001_0000250.sdf.gz',
      'pubchem_sdf/rdkit_Regress_mols.1000.sdf.gz',
      'samples/pubchem_compound_head_245.sdf.gz',
      'nasty_sdf/cdk_pubchem_24763_huge_801_atoms.sdf',
      'nasty_sdf/indigo_pubchem_7m_err.sdf',
      'nasty_sdf/indigo_test_pubchem_10_unterminated.sdf',
    ];
    const chem = stage({ compute: ['inchikey'], recompute: true });
    let carrying = 0;
    const disagreements: string[] = [];
    let total = 0;
    for (const [fileIndex, file] of files.entries()) {
      const list = await records(fixture(file));
      const items = workItems(list, 'pubchem', fileIndex);
      const { items: out } = await chem.apply(items);
      expect(out).toHaveLength(items.length);
      expect(out.map((i) => i.seq)).toEqual(items.map((i) => i.seq));
      total += items.length;
      out.forEach((item) => {
        if (item.record.format !== 'sdf') return;
        const expected = item.record.fields.get('PUBCHEM_IUPAC_INCHIKEY')?.trim();
        if (expected === undefined || item.row === undefined) return;
        carrying += 1;
        const got = item.row.inchikey;
        if (got !== expected) {
          disagreements.push(
            `${basename(file)} record ${item.record.record} (CID ${item.row.externalId}): expected ${expected}, got ${got ?? 'null'}`,
          );
        }
      });
    }
    const agree = carrying - disagreements.length;
    console.log(
      `stage InChIKey agreement with PubChem: ${agree}/${carrying} (${((100 * agree) / carrying).toFixed(2)}%) of ${total} records`,
    );
    for (const line of disagreements) console.log(`  disagreement: ${line}`);
    expect(carrying).toBeGreaterThanOrEqual(490);
    expect(agree / carrying).toBeGreaterThanOrEqual(0.98);
  });

  it('keeps a value the file provides unless recompute, and fills what is missing', async () => {
    const list = (await records(fixture('samples/pubchem_compound_head_245.sdf.gz'))).slice(
      0,
      6,
    ) as SdfRecord[];
    const truth = list.map((r) => r.fields.get('PUBCHEM_IUPAC_INCHIKEY'));
    // A well-formed standard InChIKey (the inchikey column takes nothing else), but not this molecule's.
    const fromFile = 'AAAAAAAAAAAAAA-BBBBBBBBSA-N';
    list[0]!.fields.set('PUBCHEM_IUPAC_INCHIKEY', fromFile);
    list[1]!.fields.delete('PUBCHEM_IUPAC_INCHIKEY');
    const items = workItems(list, 'pubchem');
    expect(items[1]!.row!.inchikey).toBeNull();

    const kept = await stage({ compute: ['inchikey'] }).apply(items);
    expect(kept.items[0]!.row!.inchikey).toBe(fromFile);
    expect(kept.items[1]!.row!.inchikey).toBe(truth[1]);
    expect(kept.warnings).toBe(0);

    const recomputed = await stage({ compute: ['inchikey'], recompute: true }).apply(items);
    expect(recomputed.items[0]!.row!.inchikey).toBe(truth[0]);
    expect(recomputed.items[1]!.row!.inchikey).toBe(truth[1]);
    expect(items[0]!.row!.inchikey).toBe(fromFile); // inputs are not modified
  });

  it('--validate turns a bad-valence record into a reject with the toolkit’s reason and the record’s raw text', async () => {
    const items = workItems(await records(badFile), 'pubchem');
    expect(items.every((i) => i.row !== undefined)).toBe(true);
    const result = await stage({ compute: ['inchikey'], validate: true }).apply(items);
    expect(result.items).toHaveLength(3);
    expect(result.rejected).toBe(1);
    const [good, bad, good2] = result.items;
    expect(good!.row!.inchikey).toBe('LFQSCWFLJHTTHZ-UHFFFAOYSA-N');
    expect(good2!.row!.inchikey).toBe('LFQSCWFLJHTTHZ-UHFFFAOYSA-N');
    expect(bad!.row).toBeUndefined();
    expect(bad!.reject).toMatchObject({ file: badFile, record: 2, format: 'sdf' });
    expect(bad!.reject!.reason).toMatch(/invalid structure: .*valence for atom # 0 C, 5/i);
    expect(bad!.reject!.raw).toBe(items[1]!.record.raw);
    expect(bad!.reject!.raw).toContain('> <PUBCHEM_COMPOUND_CID>');
  });

  it('with inPlace, writes the outcome onto the engine’s own items', async () => {
    const items = workItems(await records(badFile), 'pubchem');
    const originals = [...items];
    const result = await stage({ compute: ['inchikey'], validate: true }).apply(items, { inPlace: true });
    result.items.forEach((item, i) => expect(item).toBe(originals[i]));
    expect(originals[1]!.row).toBeUndefined();
    expect(originals[1]!.reject!.reason).toMatch(/valence/);
    expect(originals[0]!.row!.inchikey).toBe('LFQSCWFLJHTTHZ-UHFFFAOYSA-N');
  });

  it('--validate alone (no --compute) rejects it too', async () => {
    const items = workItems(await records(badFile), 'pubchem');
    const result = await stage({ compute: [], validate: true }).apply(items);
    expect(result.items.map((i) => (i.reject ? 'reject' : 'row'))).toEqual(['row', 'reject', 'row']);
    expect(result.items[0]!.row!.inchikey).toBeNull();
  });

  it('--compute alone keeps the bad-valence record with null computed fields and counts a warning', async () => {
    const items = workItems(await records(badFile), 'pubchem');
    const chem = stage({ compute: ['inchikey', 'smiles'] });
    const before = chem.totals().warnings;
    const result = await chem.apply(items);
    expect(result.rejected).toBe(0);
    expect(result.warnings).toBe(1);
    expect(result.warningDetails[0]!.origin).toMatchObject({ file: badFile, record: 2 });
    expect(result.warningDetails[0]!.message).toMatch(/valence/i);
    const bad = result.items[1]!;
    expect(bad.reject).toBeUndefined();
    expect(bad.row).toMatchObject({ externalId: '2', inchikey: null, smiles: null });
    expect(chem.totals().warnings - before).toBe(1);
  });

  it('passes records the transform already rejected through untouched, in place', async () => {
    const list = await records(badFile);
    const items = workItems(list, 'pubchem');
    const { row: _row, ...rest } = items[0]!;
    items[0] = { ...rest, reject: { ...list[0]!, format: 'sdf', reason: 'no ID', kind: 'no-id' } };
    const result = await stage({ compute: ['inchikey'], validate: true }).apply(items);
    expect(result.items[0]).toBe(items[0]);
    expect(result.items[1]!.reject!.reason).toMatch(/valence/);
    expect(result.items[2]!.row!.inchikey).toBe('LFQSCWFLJHTTHZ-UHFFFAOYSA-N');
  });

  it('keeps a record that hangs with a warning, and under --validate rejects it; no other record lost', async () => {
    const file = join(dir, 'hang.sdf');
    const record = (molfile: string, cid: number): string =>
      `${molfile}> <PUBCHEM_COMPOUND_CID>\n${cid}\n\n$$$$\n`;
    writeFileSync(
      file,
      [1, 2, 3, 4, 5].map((cid) => record(ethanol(cid === 3 ? 'HANG_ME' : `ok ${cid}`), cid)).join(''),
    );
    const items = workItems(await records(file), 'pubchem');
    const chem = stage({
      compute: ['inchikey'],
      perRecordTimeoutMs: 2_000,
      workerModule: FAULTY_WORKER,
      batchSize: 4,
    });
    const result = await chem.apply(items);
    const outcome = (i: (typeof result.items)[number]) =>
      i.reject ? i.reject.reason : (i.row!.inchikey ?? i.row!.properties.molimport_warnings);
    expect(result.items.map(outcome)).toEqual([
      'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
      'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
      ['timeout: chemistry timed out after 2000 ms; computed fields left empty'],
      'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
      'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
    ]);
    expect(chem.totals()).toMatchObject({ timedOut: 1, warnings: 1, rejected: 0 });

    const strict = stage({
      compute: ['inchikey'],
      validate: true,
      perRecordTimeoutMs: 2_000,
      workerModule: FAULTY_WORKER,
      batchSize: 4,
    });
    const validated = await strict.apply(workItems(await records(file), 'pubchem'));
    expect(validated.items.map((i) => i.reject?.kind ?? 'row')).toEqual([
      'row',
      'row',
      'chem-timeout',
      'row',
      'row',
    ]);
    expect(strict.totals()).toMatchObject({ timedOut: 1, rejected: 1 });
  });
});
