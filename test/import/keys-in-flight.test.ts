import { describe, expect, it } from 'vitest';
import { KeysInFlight } from '../../src/import/keys-in-flight.js';
import type { WorkItem } from '../../src/import/work-items.js';

const item = (id: string, seq: number): WorkItem =>
  ({ seq, row: { externalId: id }, fileIndex: 0, fileKey: 'f', record: {} }) as unknown as WorkItem;

async function* from(items: WorkItem[]): AsyncGenerator<WorkItem> {
  for (const i of items) yield await Promise.resolve(i);
}

describe('KeysInFlight', () => {
  it('tells whether an earlier record of an ID is still in flight, until it settles', async () => {
    const keys = new KeysInFlight();
    const a1 = item('A', 1);
    const b2 = item('B', 2);
    const a3 = item('A', 3);
    const a4 = item('A', 4);
    const pulled: WorkItem[] = [];
    for await (const i of keys.track(from([a1, b2, a3, a4]))) pulled.push(i);
    expect(pulled).toEqual([a1, b2, a3, a4]);
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

  it('does not register rejects (no row)', async () => {
    const keys = new KeysInFlight();
    const reject = { seq: 1, fileIndex: 0, fileKey: 'f', record: {} } as unknown as WorkItem;
    for await (const _ of keys.track(from([reject]))) void _;
    expect(keys.size).toBe(0);
  });
});
