/** The WebAssembly compile policy: baseline only by default, never over a user's own choice. */
import { describe, expect, it } from 'vitest';
import { wasmPolicyFlag } from '../../src/cli/wasm-policy.js';

describe('wasmPolicyFlag', () => {
  it('compiles WebAssembly with the baseline compiler only when nobody chose otherwise', () => {
    expect(wasmPolicyFlag([], {})).toBe('--liftoff-only');
    expect(wasmPolicyFlag(['--enable-source-maps'], { NODE_OPTIONS: '--trace-warnings' })).toBe(
      '--liftoff-only',
    );
    expect(wasmPolicyFlag([], { MOLIMPORT_WASM_TIER_UP: '0' })).toBe('--liftoff-only');
  });

  it("keeps V8's tier-up when asked, or when the user set a tiering flag", () => {
    expect(wasmPolicyFlag([], { MOLIMPORT_WASM_TIER_UP: '1' })).toBeUndefined();
    expect(wasmPolicyFlag(['--no-liftoff'], {})).toBeUndefined();
    expect(wasmPolicyFlag(['--wasm-tier-up'], {})).toBeUndefined();
    expect(wasmPolicyFlag([], { NODE_OPTIONS: '--wasm_dynamic_tiering' })).toBeUndefined();
  });
});
