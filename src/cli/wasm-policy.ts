/**
 * How V8 compiles WebAssembly: the embedded database (PGlite, ~9 MB) and RDKit (~7 MB, in the
 * chemistry workers). V8 flags are process-wide, worker threads included, so this is process
 * policy, applied only by bin/, like the heap policy beside it.
 *
 * Why: V8 first compiles WebAssembly with its baseline compiler (Liftoff), then recompiles hot
 * functions with its optimising compiler (TurboFan) in the background. PostgreSQL's start-up and
 * first queries make hundreds of functions hot at once, so a short import spent more CPU
 * recompiling than working: the quick start (200 ChEMBL records, existing database) used 1.8–2.3 s
 * of CPU (user + sys) and 367–377 MiB RSS with tier-up, 0.85–0.95 s and 281 MiB with Liftoff only.
 * A 20,000-record embedded import without chemistry used 7.1 s of user CPU with Liftoff only,
 * 7.6 s with tier-up.
 *
 * A run that has RDKit read every record (`--compute` of smiles/inchi/inchikey, `--standardize`,
 * `--validate`) keeps V8's tier-up: RDKit is then most of the run's CPU, and Liftoff-compiled
 * RDKit costs ~1.5× TurboFan's once warm (bench/RESULTS-chem.md, bench/chem-floor.mjs: 1.6–2.0 ms
 * of CPU per PubChem molfile against 1.1–1.4 ms), while tier-up costs 2–2.5 s of CPU once per
 * process (~660 RDKit functions recompiled, shared by the worker threads), plus PGlite's ~1 s when
 * the database is embedded, and 50–70 MiB of RSS. In a dry run with `--compute inchikey` it was
 * repaid after 3,500–5,700 records (each further record 1.3–1.4 ms of CPU against 1.7–1.8 ms);
 * smaller chemistry runs lose up to a second.
 *
 * `MOLIMPORT_WASM_TIER_UP=1` keeps V8's default for any run, `MOLIMPORT_WASM_TIER_UP=0` forces
 * Liftoff only; a WebAssembly tiering flag of the user's on node's command line or in
 * NODE_OPTIONS is left alone.
 */
import v8 from 'node:v8';

export const WASM_TIER_UP_ENV = 'MOLIMPORT_WASM_TIER_UP';

const USER_WASM_FLAGS = /--(?:no[-_])?(?:liftoff|wasm[-_]tier|wasm[-_]dynamic[-_]tiering)/;

/** `--compute` fields that need RDKit to read the structure (formula and mw are read without it). */
const RDKIT_FIELDS = /^(?:smiles|inchi|inchikey|all)$/i;

/**
 * Whether the command line has RDKit read every record: `--compute` with an RDKit-computed field,
 * `--standardize` or `--validate` (options end at `--`).
 */
export function rdkitPerRecord(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg === '--standardize' || arg === '--validate') return true;
    const list = arg === '--compute' ? argv[i + 1] : arg.startsWith('--compute=') ? arg.slice(10) : undefined;
    if (list?.split(',').some((field) => RDKIT_FIELDS.test(field.trim())) === true) return true;
  }
  return false;
}

/**
 * The V8 flag molimport would set, or undefined when V8's default (tier-up) stays: when the user
 * chose, or when `argv` (the command line after `molimport`) has RDKit read every record.
 */
export function wasmPolicyFlag(
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
): string | undefined {
  if (env[WASM_TIER_UP_ENV] === '1') return undefined;
  if (execArgv.some((a) => USER_WASM_FLAGS.test(a)) || USER_WASM_FLAGS.test(env.NODE_OPTIONS ?? '')) {
    return undefined;
  }
  if (env[WASM_TIER_UP_ENV] !== '0' && rdkitPerRecord(argv)) return undefined;
  return '--liftoff-only';
}

/** Apply the policy to this process (before any WebAssembly is compiled); returns the flag set. */
export function applyWasmPolicy(
  execArgv: readonly string[] = process.execArgv,
  env: Readonly<Record<string, string | undefined>> = process.env,
  argv: readonly string[] = process.argv.slice(2),
): string | undefined {
  const flag = wasmPolicyFlag(execArgv, env, argv);
  if (flag === undefined) return undefined;
  v8.setFlagsFromString(flag);
  return flag;
}
