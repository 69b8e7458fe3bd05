/**
 * How the `molimport` process lets its heap grow. Process policy, so only bin/ applies it; a
 * program using the library keeps whatever its own process chose.
 *
 * Why: an import keeps a steady 40–50 MB alive (the batches in flight), but V8, seeing cheap
 * collections, lets the old generation grow to about four times that between full collections
 * (measured with --trace-gc on 200,000 PubChem records: 36–50 MB live, 130–180 MB heap), so the
 * process sat near 290 MB RSS for no benefit. A fixed growing factor of 1 + percent/100 keeps the
 * heap near live × 1.6 at the cost of more frequent (cheap, incremental) full collections: RSS
 * 290 → ~185 MB for about 5–10 % of throughput (bench/RESULTS.md). No hard cap is set: a user's
 * large --batch-size still fits, it only collects more often. bin/ pairs it with the heap watchdog
 * (heap-watchdog.ts), which catches the collections that overstate the live set.
 *
 * `--heap-growing-percent` is read by V8 at every full collection, so setting it at run time takes
 * effect. Node.js refuses it in NODE_OPTIONS, so `MOLIMPORT_HEAP_GROWING_PERCENT` sets it (0 keeps
 * V8's own growth and no watchdog); a heap flag on node's command line or `--max-old-space-size`
 * in NODE_OPTIONS means the user chose, and nothing is set.
 */
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 60;
export const HEAP_GROWING_PERCENT_ENV = 'MOLIMPORT_HEAP_GROWING_PERCENT';

const USER_HEAP_FLAGS = /--(?:heap[-_]growing[-_]percent|max[-_]old[-_]space[-_]size|max[-_]heap[-_]size)\b/;

/**
 * The V8 flag molimport would set, or undefined when the user chose their own heap flags or asked
 * for V8's default. Throws a message for an invalid `MOLIMPORT_HEAP_GROWING_PERCENT`.
 */
export function heapPolicyFlag(
  execArgv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (execArgv.some((a) => USER_HEAP_FLAGS.test(a)) || USER_HEAP_FLAGS.test(env.NODE_OPTIONS ?? '')) {
    return undefined;
  }
  const asked = env[HEAP_GROWING_PERCENT_ENV];
  let percent = HEAP_GROWING_PERCENT;
  if (asked !== undefined && asked.trim() !== '') {
    percent = Number(asked);
    if (!Number.isInteger(percent) || percent < 0 || percent > 1000) {
      throw new Error(
        `${HEAP_GROWING_PERCENT_ENV}: expected an integer from 0 to 1000, got ${JSON.stringify(asked)}`,
      );
    }
  }
  return percent === 0 ? undefined : `--heap-growing-percent=${percent}`;
}

/** Apply the policy to this process; returns the flag set, if any. */
export function applyHeapPolicy(
  execArgv: readonly string[] = process.execArgv,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const flag = heapPolicyFlag(execArgv, env);
  if (flag === undefined) return undefined;
  try {
    v8.setFlagsFromString(flag);
    return flag;
  } catch {
    // A Node.js whose V8 freezes flags after start-up: keep V8's default growth.
    return undefined;
  }
}
