/** The process heap policy: applied by default, never over a user's own heap flags. */
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapPolicyFlag } from '../../src/cli/heap-policy.js';

describe('heapPolicyFlag', () => {
  it('sets a fixed heap growing percent when the user chose nothing', () => {
    expect(heapPolicyFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapPolicyFlag(['--enable-source-maps'], '--trace-warnings')).toBe(
      `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
    );
  });

  it("keeps the user's own heap flags, from node's command line or NODE_OPTIONS", () => {
    expect(heapPolicyFlag(['--max-old-space-size=512'], undefined)).toBeUndefined();
    expect(heapPolicyFlag([], '--heap-growing-percent=0')).toBeUndefined();
    expect(heapPolicyFlag([], '--trace-warnings --max_old_space_size=4096')).toBeUndefined();
    expect(heapPolicyFlag(['--max-heap-size=300'], '')).toBeUndefined();
  });
});
