/**
 * Checksums of input files: `--checksum auto|none|md5:HEX|sha256:HEX`. `auto` reads the published
 * `<file>.md5` (PubChem publishes one beside every file; fetched for a URL, read beside a local
 * file) and verifies against it when there is one. Every input is hashed while it streams (md5
 * unless sha256 was asked for), so the run records a checksum even when none was published; a
 * mismatch fails the file at its end.
 */
import { readFile } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import { ConfigurationError, InputError } from '../errors.js';
import { fetchSmallText, isRemote, type RemoteInputOptions } from './remote-input.js';

export type ChecksumAlgorithm = 'md5' | 'sha256';

/** What the user asked for. */
export type ChecksumOption = 'auto' | 'none' | { algorithm: ChecksumAlgorithm; hex: string };

/** The value a file must have, and where it came from. */
export interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  hex: string;
  /** `given` on the command line, or the URL/path of the `.md5` file. */
  from: string;
}

/** A file's checksum as the run saw it: `verified` only when it matched a published or given value. */
export interface ChecksumResult {
  algorithm: ChecksumAlgorithm;
  /** The hex digest of the bytes read (whole file). */
  actual: string;
  expected: string | null;
  /** Where `expected` came from (a `.md5` URL or path, or `given`). */
  from: string | null;
  verified: boolean;
}

const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { md5: 32, sha256: 64 };

/** Parse `auto`, `none`, `md5:HEX` or `sha256:HEX` (throws `ConfigurationError`). */
export function parseChecksumOption(value: string): ChecksumOption {
  const v = value.trim();
  if (v === 'auto' || v === 'none') return v;
  const m = /^(md5|sha256):([0-9a-fA-F]+)$/.exec(v);
  if (m && m[2]!.length === HEX_LENGTH[m[1] as ChecksumAlgorithm]) {
    return { algorithm: m[1] as ChecksumAlgorithm, hex: m[2]!.toLowerCase() };
  }
  throw new ConfigurationError(
    `checksum: expected auto, none, md5:<32 hex digits> or sha256:<64 hex digits>, got '${value}'`,
  );
}

/** The digest in an `.md5` file (`HEX  name`, or just `HEX`), or undefined when there is none. */
export function parseMd5File(text: string): string | undefined {
  const m = /^\s*(?:MD5 \([^)]*\) = )?([0-9a-fA-F]{32})\b/.exec(text);
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * The checksum `path` must have under `option`: the given value, the published `.md5`, or none.
 * A `.md5` that is there but holds no digest is an `InputError`: a mirror must not load unchecked
 * data because the checksum file changed shape.
 */
export async function expectedChecksum(
  path: string,
  option: ChecksumOption,
  remote: RemoteInputOptions = {},
): Promise<ExpectedChecksum | undefined> {
  if (option === 'none' || path === '-') return undefined;
  if (option !== 'auto') return { algorithm: option.algorithm, hex: option.hex, from: 'given' };
  const md5Path = `${path}.md5`;
  let text: string | undefined;
  if (isRemote(path)) {
    text = await fetchSmallText(md5Path, remote);
  } else {
    try {
      text = await readFile(md5Path, 'utf8');
    } catch {
      text = undefined;
    }
  }
  if (text === undefined) return undefined;
  const hex = parseMd5File(text);
  if (hex === undefined) throw new InputError(`${md5Path}: no MD5 digest in it`, path, 0);
  return { algorithm: 'md5', hex, from: md5Path };
}

/** Hashes bytes as they stream and checks the result at the end. */
export class ChecksumTracker {
  readonly algorithm: ChecksumAlgorithm;
  readonly #hash: Hash;
  #actual: string | undefined;
  constructor(
    private readonly file: string,
    private readonly expected: ExpectedChecksum | undefined,
  ) {
    this.algorithm = expected?.algorithm ?? 'md5';
    this.#hash = createHash(this.algorithm);
  }

  update(chunk: Buffer): void {
    this.#hash.update(chunk);
  }

  /** Call once at the end of the bytes; throws `InputError` on a mismatch. */
  finish(bytes: number): void {
    this.#actual = this.#hash.digest('hex');
    if (this.expected !== undefined && this.expected.hex !== this.#actual) {
      throw new InputError(
        `${this.file}: checksum mismatch: ${this.algorithm} of the ${bytes} bytes read is ${this.#actual}, ${this.expected.from === 'given' ? 'given' : this.expected.from} says ${this.expected.hex} (a truncated or corrupt download, or a wrong checksum)`,
        this.file,
        bytes,
      );
    }
  }

  /** The outcome, once `finish` ran; undefined before (the file was not read to its end). */
  result(): ChecksumResult | undefined {
    if (this.#actual === undefined) return undefined;
    return {
      algorithm: this.algorithm,
      actual: this.#actual,
      expected: this.expected?.hex ?? null,
      from: this.expected?.from ?? null,
      verified: this.expected !== undefined && this.expected.hex === this.#actual,
    };
  }
}
