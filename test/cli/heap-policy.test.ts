/** The process heap policy: applied by default, never over a user's own heap flags. */
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapPolicyFlag } from '../../src/cli/heap-policy.js';

describe('heapPolicyFlag', () => {
  it('sets a fixed heap growing percent when the user chose nothing', () => {
    expect(heapPolicyFlag([], {})).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapPolicyFlag(['--enable-source-maps'], { NODE_OPTIONS: '--trace-warnings' })).toBe(
      `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
    );
  });

  it('takes MOLIMPORT_HEAP_GROWING_PERCENT, 0 meaning V8 default, and refuses nonsense', () => {
    expect(heapPolicyFlag([], { MOLIMPORT_HEAP_GROWING_PERCENT: '100' })).toBe('--heap-growing-percent=100');
    expect(heapPolicyFlag([], { MOLIMPORT_HEAP_GROWING_PERCENT: '0' })).toBeUndefined();
    expect(() => heapPolicyFlag([], { MOLIMPORT_HEAP_GROWING_PERCENT: 'lots' })).toThrow(
      /MOLIMPORT_HEAP_GROWING_PERCENT: expected an integer from 0 to 1000, got "lots"/,
    );
  });

  it("keeps the user's own heap flags, from node's command line or NODE_OPTIONS", () => {
    expect(heapPolicyFlag(['--max-old-space-size=512'], {})).toBeUndefined();
    expect(heapPolicyFlag(['--heap-growing-percent=0'], {})).toBeUndefined();
    expect(
      heapPolicyFlag([], { NODE_OPTIONS: '--trace-warnings --max_old_space_size=4096' }),
    ).toBeUndefined();
    expect(heapPolicyFlag(['--max-heap-size=300'], { MOLIMPORT_HEAP_GROWING_PERCENT: '50' })).toBeUndefined();
  });
});
