import { ConfigurationError } from '../errors.js';

/**
 * Option checks that fail at once with what was expected and what was received, so a typo in a
 * caller's options never turns into a silent default or a stuck run.
 */

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function fail(owner: string, name: string, expected: string, value: unknown): never {
  throw new ConfigurationError(`${owner}: option ${name}: expected ${expected}, got ${describe(value)}`);
}

/** An integer in [min, max]. */
export function checkInteger(owner: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(owner, name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** A finite number in [min, max]; `exclusiveMin` makes the lower bound open. */
export function checkNumber(
  owner: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  exclusiveMin = false,
): number {
  const tooLow = typeof value === 'number' && (exclusiveMin ? value <= min : value < min);
  if (typeof value !== 'number' || !Number.isFinite(value) || tooLow || value > max) {
    const low = exclusiveMin ? `greater than ${min}` : `at least ${min}`;
    fail(owner, name, `a finite number ${low} and at most ${max}`, value);
  }
  return value;
}

export function checkOneOf<V extends string>(
  owner: string,
  name: string,
  value: unknown,
  allowed: readonly V[],
): V {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(owner, name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as V;
}

export function checkBoolean(owner: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(owner, name, 'a boolean', value);
  return value;
}

export function checkFunction<F>(owner: string, name: string, value: unknown): F {
  if (typeof value !== 'function') fail(owner, name, 'a function', value);
  return value as F;
}

/** min ≤ initial ≤ max, reported with all three values so the conflict is obvious. */
export function checkSizeRange(owner: string, min: number, initial: number, max: number): void {
  if (min > max) fail(owner, 'minBatchSize', `at most maxBatchSize (${max})`, min);
  if (initial < min || initial > max) {
    fail(
      owner,
      'initialBatchSize',
      `an integer from minBatchSize (${min}) to maxBatchSize (${max})`,
      initial,
    );
  }
}
