/**
 * Loads RDKit's WebAssembly build once per thread and hands out a `Toolkit`: the module plus the
 * two log captures that turn RDKit's stderr chatter into reject reasons.
 *
 * Every `Mol` RDKit returns lives in WASM memory and must be freed with `mol.delete()`; use
 * `withMol()` rather than calling `get_mol` directly.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import initRDKitModule from '@rdkit/rdkit';
import type { Log, MainModule, Mol } from '@rdkit/rdkit';
import { ChemistryError } from '../errors.js';

export type RDKitModule = MainModule;

export interface Toolkit {
  readonly rdkit: RDKitModule;
  /** RDKit's version string, e.g. `2026.09.1`. */
  readonly version: string;
  /** Captures `rdApp.error` (valence errors, parse errors, InChI errors). */
  readonly errorLog: Log | null;
  /** Captures `rdApp.warning`. */
  readonly warningLog: Log | null;
  /** Current size of the instance's WebAssembly memory (it grows, never shrinks). */
  wasmMemoryBytes(): number;
}

/** The part of the WebAssembly global we use (the tsconfig's `lib` has no DOM/WebAssembly types). */
interface WasmInstance {
  exports: Record<string, unknown>;
}
interface WasmGlobal {
  instantiate(bytes: Uint8Array, imports: unknown): Promise<{ instance: WasmInstance }>;
  Memory: abstract new (...args: never[]) => { buffer: ArrayBuffer };
}
const wasmGlobal = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

// The module is callable at runtime (CommonJS `module.exports = initRDKitModule`, with
// `.default` pointing at the same function); the typings describe it as an ES default export.
type Factory = (options?: unknown) => Promise<MainModule>;
const imported: Factory | { default: Factory } = initRDKitModule;
const factory: Factory = typeof imported === 'function' ? imported : imported.default;

/** One WASM instance per thread: module state, so each worker thread gets its own. */
let loading: Promise<Toolkit> | undefined;

/** The thread's toolkit, initialised on first call (about 0.3 s), then cached. */
export function loadToolkit(): Promise<Toolkit> {
  loading ??= createToolkit().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

/**
 * Drops the cached instance, for use after a WebAssembly trap or `abort()`, after which an
 * Emscripten module is unusable. The next `loadToolkit()` creates a fresh instance.
 */
export function resetToolkit(): void {
  const old = loading;
  loading = undefined;
  void old
    ?.then((toolkit) => {
      toolkit.errorLog?.delete();
      toolkit.warningLog?.delete();
    })
    .catch(() => undefined);
}

async function createToolkit(): Promise<Toolkit> {
  let rdkit: RDKitModule;
  let memory: { buffer: ArrayBuffer } | undefined;
  try {
    const wasmPath = createRequire(import.meta.url).resolve('@rdkit/rdkit/RDKit_minimal.wasm');
    const bytes = await readFile(wasmPath);
    // Emscripten waits for `receiveInstance` forever; a failed instantiation must reject instead.
    let failInstantiation: (err: unknown) => void = () => undefined;
    const instantiationFailed = new Promise<never>((_, reject) => {
      failInstantiation = reject;
    });
    const loaded = factory({
      // Emscripten's hook: we instantiate, so we can see the memory the module does not export.
      instantiateWasm(imports: unknown, receiveInstance: (instance: WasmInstance) => void): object {
        wasmGlobal.instantiate(bytes, imports).then(
          ({ instance }) => {
            memory = Object.values(instance.exports).find(
              (value): value is { buffer: ArrayBuffer } => value instanceof wasmGlobal.Memory,
            );
            receiveInstance(instance);
          },
          (err: unknown) => failInstantiation(err),
        );
        return {};
      },
    });
    rdkit = await Promise.race([loaded, instantiationFailed]);
  } catch (err) {
    throw new ChemistryError('could not load the RDKit WebAssembly module (@rdkit/rdkit)', { cause: err });
  }
  if (typeof rdkit.get_inchikey_for_inchi !== 'function') {
    throw new ChemistryError(`this @rdkit/rdkit build (${rdkit.version()}) has no InChI support`);
  }
  const toolkit: Toolkit = {
    rdkit,
    version: rdkit.version(),
    errorLog: rdkit.set_log_capture('rdApp.error'),
    warningLog: rdkit.set_log_capture('rdApp.warning'),
    wasmMemoryBytes: () => memory?.buffer.byteLength ?? 0,
  };
  // Fail at load, not on the first record, if InChI was compiled out.
  const probe = withMol(toolkit, 'C', (mol) => mol.get_inchi());
  if (!probe.ok || probe.value !== 'InChI=1S/CH4/h1H4') {
    throw new ChemistryError(`this @rdkit/rdkit build (${toolkit.version}) cannot generate InChI`);
  }
  return toolkit;
}

/** Empties both log captures (call before an operation whose messages you want). */
export function clearLogs(toolkit: Toolkit): void {
  toolkit.errorLog?.clear_buffer();
  toolkit.warningLog?.clear_buffer();
}

/** The captured messages of one log since the last clear, timestamps stripped, one per line. */
export function drainLog(log: Log | null): string[] {
  if (log === null) return [];
  const text = log.get_buffer();
  log.clear_buffer();
  return text
    .split('\n')
    .map((line) => line.replace(/^\[\d\d:\d\d:\d\d\]\s*/, '').trim())
    .filter((line) => line.length > 0);
}

/**
 * Parse settings: sanitise (valences, aromaticity) and drop explicit hydrogens as RDKit's
 * `MolFromMolBlock` does by default; MinimalLib's `get_mol` keeps them in molblocks otherwise,
 * which puts `[H]` atoms into the SMILES and makes every later step slower.
 */
const MOL_DETAILS = JSON.stringify({ sanitize: true, removeHs: true });

const encoder = new TextEncoder();
const MOL_DETAILS_UTF8 = encoder.encode(MOL_DETAILS);

/**
 * A string as the UTF-8 bytes RDKit's `std::string` receives. Embind takes a `Uint8Array` as
 * those bytes and copies them in one go, where a JavaScript string is encoded character by
 * character in JavaScript: 40–50 µs for a 4 kB molfile against 6–8 µs (bench/RESULTS-chem.md).
 * The bytes are the same (UTF-8), except a lone UTF-16 surrogate, which becomes U+FFFD instead
 * of an ill-formed sequence: no molfile or SMILES character RDKit reads is affected.
 */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export type MolOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Parses `structure` (a molfile, or SMILES when no `M  END` is present), runs `fn` on the molecule
 * and frees it. When RDKit refuses the structure, `reason` is its own error message (for example
 * `Explicit valence for atom # 0 C, 5, is greater than permitted`).
 */
export function withMol<T>(toolkit: Toolkit, structure: string, fn: (mol: Mol) => T): MolOutcome<T> {
  clearLogs(toolkit);
  const mol = toolkit.rdkit.get_mol(utf8(structure), MOL_DETAILS_UTF8);
  if (mol === null || !mol.is_valid()) {
    mol?.delete();
    return { ok: false, reason: toolkitReason(toolkit, 'the toolkit could not parse the structure') };
  }
  try {
    return { ok: true, value: fn(mol) };
  } finally {
    mol.delete();
  }
}

/** RDKit's captured error messages joined, or `fallback` when it logged none. */
export function toolkitReason(toolkit: Toolkit, fallback: string): string {
  const errors = drainLog(toolkit.errorLog);
  toolkit.warningLog?.clear_buffer();
  // A SMILES parse error comes as several lines (the input echoed, a caret); the first says it all.
  const smilesError = errors.find((line) => line.startsWith('SMILES Parse Error'));
  const reason = smilesError ?? (errors.length > 0 ? [...new Set(errors)].join('; ') : fallback);
  return reason.length > 500 ? `${reason.slice(0, 497)}...` : reason;
}
