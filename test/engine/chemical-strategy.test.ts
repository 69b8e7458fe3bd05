import { describe, expect, it } from 'vitest';
import {
  AdaptiveBatchProcessor,
  ChemicalDataBatchStrategy,
  SOURCE_PROFILES,
} from '../../src/engine/index.js';

interface Mol {
  id: number;
  atomCount?: number;
  bytes?: number;
  weight?: number;
}

describe('ChemicalDataBatchStrategy', () => {
  it('starts from per-source sizes, within the caller range', () => {
    expect(new ChemicalDataBatchStrategy({ dataSource: 'chembl' }).nextBatchSize()).toBe(500);
    expect(new ChemicalDataBatchStrategy({ dataSource: 'pubchem' }).nextBatchSize()).toBe(250);
    expect(new ChemicalDataBatchStrategy().nextBatchSize()).toBe(100);
    expect(new ChemicalDataBatchStrategy({ dataSource: 'chembl', maxBatchSize: 200 }).nextBatchSize()).toBe(
      200,
    );
    expect(
      new ChemicalDataBatchStrategy({ dataSource: 'chembl', initialBatchSize: 42 }).nextBatchSize(),
    ).toBe(42);
    expect(() => new ChemicalDataBatchStrategy({ dataSource: 'zinc' as never })).toThrow(
      /dataSource: expected one of 'chembl', 'pubchem', 'generic', got "zinc"/,
    );
  });

  it('weighs items by their own weight, atoms or bytes relative to a typical record', () => {
    const s = new ChemicalDataBatchStrategy<Mol | string | number>({ dataSource: 'chembl' });
    const { typicalAtoms, typicalBytes } = SOURCE_PROFILES.chembl;
    expect(s.itemWeight({ id: 1, atomCount: typicalAtoms * 10 })).toBe(10);
    expect(s.itemWeight({ id: 1, bytes: typicalBytes / 2 })).toBe(0.5);
    expect(s.itemWeight({ id: 1, weight: typicalBytes * 3, atomCount: 1 })).toBe(3);
    expect(s.itemWeight({ id: 1 })).toBe(1);
    expect(s.itemWeight(7)).toBe(1);
    const atoms = new ChemicalDataBatchStrategy<Mol>({ dataSource: 'chembl', weightUnit: 'atoms' });
    expect(atoms.itemWeight({ id: 1, weight: typicalAtoms * 2 })).toBe(2);
  });

  it('gives batches of heavy molecules fewer items than batches of small ones', async () => {
    const sizesFor = async (atomCount: number): Promise<number[]> => {
      const processor = new AdaptiveBatchProcessor<Mol, number>({
        processFunc: (batch) => batch.map((m) => m.id),
        strategy: new ChemicalDataBatchStrategy<Mol>({
          dataSource: 'chembl',
          adaptive: false,
          initialBatchSize: 100,
        }),
        maxWorkers: 1,
      });
      const items = Array.from({ length: 2000 }, (_, id) => ({ id, atomCount }));
      const sizes: number[] = [];
      for await (const batch of processor.stream(items)) sizes.push(batch.size);
      return sizes;
    };
    // adaptive: false keeps the item count fixed; weighing is for the adaptive mode.
    expect((await sizesFor(30))[0]).toBe(100);

    const adaptiveSizes = async (atomCount: number): Promise<number> => {
      const strategy = new ChemicalDataBatchStrategy<Mol>({ dataSource: 'chembl', initialBatchSize: 100 });
      const processor = new AdaptiveBatchProcessor<Mol, number>({
        processFunc: (batch) => batch.map((m) => m.id),
        strategy,
        maxWorkers: 1,
      });
      const items = Array.from({ length: 300 }, (_, id) => ({ id, atomCount }));
      for await (const batch of processor.stream(items)) return batch.size;
      return 0;
    };
    const light = await adaptiveSizes(15); // half a typical ChEMBL molecule
    const typical = await adaptiveSizes(30);
    const heavy = await adaptiveSizes(600); // a large peptide
    expect(typical).toBe(100);
    expect(light).toBe(200);
    expect(heavy).toBe(5);
  });

  it('still takes one item when a single molecule exceeds the whole budget', async () => {
    const processor = new AdaptiveBatchProcessor<Mol, number>({
      processFunc: (batch) => batch.map((m) => m.id),
      strategy: new ChemicalDataBatchStrategy<Mol>({ initialBatchSize: 10 }),
      maxWorkers: 1,
    });
    const outcomes = await processor.processItems([
      { id: 1, atomCount: 1e6 },
      { id: 2, atomCount: 1e6 },
    ]);
    expect(outcomes.map((o) => o.ok && o.value)).toEqual([1, 2]);
    expect(processor.getStats().batchSizes.max).toBe(1);
  });
});

describe('ChemicalDataBatchStrategy maxBatchBytes', () => {
  it('caps the weight of an adaptive batch, and leaves a fixed size alone', () => {
    const capped = new ChemicalDataBatchStrategy({
      dataSource: 'pubchem',
      maxBatchSize: 100_000,
      initialBatchSize: 50_000,
      maxBatchBytes: 1_000_000,
    });
    // pubchem's typical record is 5,000 bytes: 1 MB holds 200 of them.
    expect(capped.nextBatchLimits().maxWeight).toBe(200);
    const fixed = new ChemicalDataBatchStrategy({
      dataSource: 'pubchem',
      adaptive: false,
      initialBatchSize: 5_000,
      maxBatchSize: 10_000,
      maxBatchBytes: 1_000_000,
    });
    expect(fixed.nextBatchLimits()).toEqual({ maxItems: 5_000, maxWeight: Number.POSITIVE_INFINITY });
  });

  it('refuses a non-positive cap', () => {
    expect(() => new ChemicalDataBatchStrategy({ maxBatchBytes: 0 })).toThrow(/maxBatchBytes/);
    expect(() => new ChemicalDataBatchStrategy({ maxBatchBytes: -5 })).toThrow(/maxBatchBytes/);
  });
});
