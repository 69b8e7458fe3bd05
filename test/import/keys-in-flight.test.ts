import { describe, expect, it } from 'vitest';
import { KeysInFlight } from '../../src/import/keys-in-flight.js';
import type { WorkItem } from '../../src/import/work-items.js';

const item = (id: string, seq: number): WorkItem =>
  ({ seq, row: { externalId: id }, fileIndex: 0, fileKey: 'f', record: {} }) as unknown as WorkItem;

describe('KeysInFlight', () => {
  it('tells whether an earlier record of an ID is still in flight, until it settles', () => {
    const keys = new KeysInFlight();
    const a1 = item('A', 1);
    const b2 = item('B', 2);
    const a3 = item('A', 3);
    const a4 = item('A', 4);
    for (const i of [a1, b2, a3, a4]) keys.add(i);
    expect([keys.hasEarlier('A', 3), keys.hasEarlier('A', 1), keys.hasEarlier('B', 2)]).toEqual([
      true,
      false,
      false,
    ]);
    keys.settle(a1);
    keys.settle(a1); // settling twice (at commit, then when the batch settles) changes nothing
    expect([keys.hasEarlier('A', 4), keys.hasEarlier('A', 3)]).toEqual([true, false]);
    keys.settle(a3);
    expect(keys.hasEarlier('A', 4)).toBe(false);
    keys.settle(a4);
    keys.settle(b2);
    expect(keys.size).toBe(0);
  });

  it('does not register rejects (no row)', () => {
    const keys = new KeysInFlight();
    const reject = { seq: 1, fileIndex: 0, fileKey: 'f', record: {} } as unknown as WorkItem;
    keys.add(reject);
    expect(keys.size).toBe(0);
  });
});
