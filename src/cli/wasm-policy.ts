/**
 * How V8 compiles the embedded database's WebAssembly (PGlite, ~9 MB). Process policy, so only bin/
 * applies it, like the heap policy beside it.
 *
 * Why: V8 first compiles WebAssembly with its baseline compiler (Liftoff), then recompiles hot
 * functions with its optimising compiler (TurboFan) in the background. PostgreSQL's start-up and
 * first queries make hundreds of functions hot at once, so a short import spent more CPU
 * recompiling than working: the quick start (200 ChEMBL records, existing database) used 1.8–2.3 s
 * of CPU (user + sys) and 367–377 MiB RSS with tier-up, 0.85–0.95 s and 281 MiB with Liftoff only.
 * Measured on the same machine, Liftoff only cost nothing on longer work: a 20,000-record embedded
 * import used 7.1 s of user CPU instead of 7.6, and RDKit's InChIKeys (bench/chem-speed.mjs,
 * 1 thread) ran at 284/s instead of 250/s (a busy machine: differences of 10 % are noise).
 *
 * `MOLIMPORT_WASM_TIER_UP=1` keeps V8's default; so does any WebAssembly tiering flag of the user's
 * on node's command line or in NODE_OPTIONS.
 */
import v8 from 'node:v8';

export const WASM_TIER_UP_ENV = 'MOLIMPORT_WASM_TIER_UP';

const USER_WASM_FLAGS = /--(?:no[-_])?(?:liftoff|wasm[-_]tier|wasm[-_]dynamic[-_]tiering)/;

/** The V8 flag molimport would set, or undefined when the user chose. */
export function wasmPolicyFlag(
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (env[WASM_TIER_UP_ENV] === '1') return undefined;
  if (execArgv.some((a) => USER_WASM_FLAGS.test(a)) || USER_WASM_FLAGS.test(env.NODE_OPTIONS ?? '')) {
    return undefined;
  }
  return '--liftoff-only';
}

/** Apply the policy to this process (before any WebAssembly is compiled); returns the flag set. */
export function applyWasmPolicy(
  execArgv: readonly string[] = process.execArgv,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const flag = wasmPolicyFlag(execArgv, env);
  if (flag === undefined) return undefined;
  v8.setFlagsFromString(flag);
  return flag;
}
