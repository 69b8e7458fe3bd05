/** Option value parsers: each refuses a bad value with what was expected and what was received. */
import { InvalidArgumentError } from 'commander';
import { parseComputeFields, type ComputeField } from '../chem/fields.js';
import type { ImportOptions } from '../import/options.js';
import { parseRejectOn } from '../chem/warnings.js';

export function integerIn(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got '${value}'.`);
    }
    return n;
  };
}

export function ratio(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError(`expected a ratio from 0 to 1 (e.g. 0.05), got '${value}'.`);
  }
  return n;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Bytes with an optional unit (`1073741824`, `512MiB`, `1GiB`, `800MB`, `2g`), at least `min`. */
function sizeAtLeast(value: string, min: number, minText: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) {
    throw new InvalidArgumentError(
      `expected a size such as 512MiB, 1GiB or a number of bytes, got '${value}'.`,
    );
  }
  const bytes = Math.round(Number(m[1]) * unit);
  if (bytes < min) {
    throw new InvalidArgumentError(`expected at least ${minText}, got '${value}'.`);
  }
  return bytes;
}

/** A memory size (`--memory-limit`): at least 64 MiB. */
export function byteSize(value: string): number {
  return sizeAtLeast(value, 64 * 1024 ** 2, '64MiB');
}

/** A batch size in bytes (`--max-batch-bytes`): at least 64 KiB. */
export function batchBytes(value: string): number {
  return sizeAtLeast(value, 64 * 1024, '64KiB');
}

/** `--reject-on stereo-lost,zero-coords` → the list, refused with the allowed names otherwise. */
export function rejectOnList(value: string): NonNullable<ImportOptions['rejectOn']>[number][] {
  try {
    // parseRejectOn admits only REJECTABLE_KINDS, the kinds `rejectOn` names.
    return [...parseRejectOn(value)] as NonNullable<ImportOptions['rejectOn']>[number][];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--reject-on: /, ''));
  }
}

/** `--compute smiles,inchikey,…` → the list, refused with the allowed names otherwise. */
export function computeList(value: string): ComputeField[] {
  try {
    return [...parseComputeFields(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--compute: /, ''));
  }
}

/** `--resume` takes one optional value, `strict`; anything else is most likely a file put after it. */
export function resumeValue(value: string): 'strict' {
  if (value === 'strict') return 'strict';
  throw new InvalidArgumentError(
    `expected no value or =strict, got '${value}' (put the input files before --resume, or write --resume=strict)`,
  );
}
