/** The WebAssembly compile policy: baseline only by default, never over a user's own choice. */
import { describe, expect, it } from 'vitest';
import { rdkitPerRecord, wasmPolicyFlag } from '../../src/cli/wasm-policy.js';

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

  it('keeps tier-up when RDKit reads every record, unless told MOLIMPORT_WASM_TIER_UP=0', () => {
    const inchikey = ['pubchem', 'in.sdf', '--compute', 'inchikey'];
    expect(wasmPolicyFlag([], {}, inchikey)).toBeUndefined();
    expect(wasmPolicyFlag([], {}, ['chembl', 'x.sdf', '--standardize'])).toBeUndefined();
    expect(wasmPolicyFlag([], { MOLIMPORT_WASM_TIER_UP: '0' }, inchikey)).toBe('--liftoff-only');
    // Formula and weight are read from the molfile, not by RDKit: the embedded database decides.
    expect(wasmPolicyFlag([], {}, ['pubchem', 'in.sdf', '--compute', 'formula,mw'])).toBe('--liftoff-only');
    expect(wasmPolicyFlag([], {}, ['pubchem', 'in.sdf'])).toBe('--liftoff-only');
  });
});

describe('rdkitPerRecord', () => {
  it('finds --compute with an RDKit field in either spelling, --standardize and --validate', () => {
    expect(rdkitPerRecord(['pubchem', 'a.sdf', '--compute', 'formula,InChIKey'])).toBe(true);
    expect(rdkitPerRecord(['pubchem', 'a.sdf', '--compute=all'])).toBe(true);
    expect(rdkitPerRecord(['pubchem', 'a.sdf', '--compute=smiles'])).toBe(true);
    expect(rdkitPerRecord(['generic', 'a.csv', '--validate'])).toBe(true);
    expect(rdkitPerRecord(['pubchem', 'a.sdf', '--compute', 'mw'])).toBe(false);
    expect(rdkitPerRecord(['pubchem', 'a.sdf', '--dry-run'])).toBe(false);
    // After `--` everything is a file name.
    expect(rdkitPerRecord(['pubchem', '--', '--validate'])).toBe(false);
  });
});
