/**
 * Open a path or `-` (stdin) as a stream of decompressed bytes. Gzip is recognised by its magic bytes
 * (1f 8b), not by the name; concatenated multi-member gzip works, and bytes after the last member are
 * reported after every record before them was read (see gunzip-members.ts).
 * Compressed bytes consumed are counted for progress. Unreadable input is an `InputError` naming the
 * file and, where it applies, the byte offset.
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stat } from 'node:fs/promises';
import { errorMessage, InputError, type InputErrorCode } from '../errors.js';
import type { InputFormat } from '../types.js';
import { detectFormat, notDelimitedFirstLine } from './detect-format.js';
import { ChecksumTracker, type ChecksumResult, type ExpectedChecksum } from './checksum.js';
import {
  isFileUrl,
  isRemote,
  openRemote,
  type RemoteInput,
  type RemoteInputOptions,
} from './remote-input.js';
import { GzipFault, gunzipMembers } from './gunzip-members.js';

/** Options of {@link openInput}. */
export interface OpenInputOptions {
  /** The stream read for `-`. @default process.stdin */
  stdin?: NodeJS.ReadableStream & AsyncIterable<Buffer | string>;
  /** Skip format sniffing and use this format. */
  format?: InputFormat;
  /** Read size for files, in bytes. @default 262_144 */
  highWaterMarkBytes?: number;
  /** For http(s) URLs: proxy environment, retries, backoff. */
  remote?: RemoteInputOptions;
  /** The checksum the whole (raw) input must have; checked when its last byte was read. */
  checksum?: ExpectedChecksum;
  /** Hash the raw bytes (md5, or `checksum`'s algorithm) for `checksum()`. @default true, except for stdin */
  hash?: boolean;
}

/** What a URL input's server said about the file. */
export interface RemoteInfo {
  url: string;
  etag: string | null;
  lastModified: string | null;
  /** Reconnections the body needed, and how many of them resumed with a Range request. */
  reconnects: number;
  rangeResumes: number;
}

/** An opened input: its decompressed bytes, what it is, and byte counts for progress. */
export interface OpenedInput {
  /** The path as given (`-` for stdin). */
  file: string;
  /** Decompressed bytes; iterate once. */
  stream: AsyncIterable<Buffer>;
  compressed: boolean;
  /** Size on disk (compressed size for gzip); undefined for stdin or a non-regular file. */
  totalBytes: number | undefined;
  /** Bytes consumed from the file so far (compressed bytes for gzip), for progress and ETA. */
  bytesRead(): number;
  /** The format given in the options, else sniffed from the first decompressed bytes. */
  format: InputFormat;
  /** For an http(s) URL: the server's validators and how the download went. */
  remote: RemoteInfo | undefined;
  /** The checksum of the raw bytes, once the input was read to its end (verified when one was expected). */
  checksum(): ChecksumResult | undefined;
}

/** How much of the decompressed start is checked for binary content and used to sniff the format. */
const SNIFF_BYTES = 65_536;
const BINARY_CHECK_BYTES = 1024;

/**
 * Open one input for reading: a path, `-` (standard input), a `file://` or an http(s) URL. gzip is
 * detected by its magic bytes (not the name) and inflated member by member.
 * @throws {InputError} naming the file: a directory, a file that cannot be opened or read, binary
 *   content, a truncated or corrupt gzip, a failed download.
 */
export async function openInput(given: string, options: OpenInputOptions = {}): Promise<OpenedInput> {
  const file = given;
  let path = given;
  let totalBytes: number | undefined;
  let source: AsyncIterable<Buffer | string>;
  let remote: RemoteInput | undefined;
  if (isFileUrl(path)) path = fileURLToPath(path);
  if (path === '-') {
    source = options.stdin ?? process.stdin;
  } else if (isRemote(path)) {
    remote = await openRemote(path, options.remote);
    totalBytes = remote.totalBytes;
    source = remote.body;
  } else {
    try {
      const info = await stat(path);
      if (info.isDirectory()) {
        throw new InputError(`${path}: is a directory, not a file`, file, undefined, {
          code: 'MOLIMPORT_INPUT_DIRECTORY',
        });
      }
      totalBytes = info.isFile() ? info.size : undefined;
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`${path}: cannot open input (${describeFsError(err)})`, file, undefined, {
        cause: err,
        code: fsErrorCode(err),
      });
    }
    source = createReadStream(path, { highWaterMark: options.highWaterMarkBytes ?? 262_144 });
  }

  let consumed = 0;
  // Hashed unless told not to (or stdin with nothing to check): the run records every file's checksum.
  const hashing = options.checksum !== undefined || (options.hash !== false && path !== '-');
  const checksum = hashing ? new ChecksumTracker(file, options.checksum) : undefined;
  const rawIterator = (async function* counted(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of source) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        consumed += buf.length;
        checksum?.update(buf);
        yield buf;
      }
      // A body shorter than the server announced is a truncated download, whatever its checksum.
      if (totalBytes !== undefined && remote !== undefined && consumed < totalBytes)
        throw new InputError(
          `${file}: truncated download: ${consumed} of ${totalBytes} bytes`,
          file,
          consumed,
        );
      checksum?.finish(consumed);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(
        `${file}: read failed at byte ${consumed} (${describeFsError(err)})`,
        file,
        consumed,
        { cause: err, code: fsErrorCode(err) },
      );
    }
  })();

  // Peek at the first bytes for the gzip magic.
  const head = await collectAtLeast(rawIterator, 2);
  const compressed = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const rawReplay = prepend(head, rawIterator);
  const decompressed = compressed ? gunzip(rawReplay, file, () => consumed) : rawReplay;

  // Peek at the decompressed start: binary check and format sniffing.
  const decompressedIterator = decompressed[Symbol.asyncIterator]();
  const first = await collectAtLeast(decompressedIterator, SNIFF_BYTES);
  const junkAt = binaryOffset(first);
  if (junkAt !== undefined) {
    await decompressedIterator.return?.(undefined);
    const where = compressed ? `byte ${junkAt} of the decompressed data` : `byte ${junkAt}`;
    throw new InputError(
      `${file}: not a text file (binary byte 0x${(first[junkAt] ?? 0).toString(16).padStart(2, '0')} at ${where}); expected SDF or CSV/TSV, plain or gzip`,
      file,
      junkAt,
    );
  }
  const text = first.toString('utf8');
  const format = options.format ?? detectFormat(text, path);
  // Sniffed, not forced: text that is no table either would otherwise end as "the input is empty".
  const notDelimited =
    options.format === undefined && format === 'csv'
      ? notDelimitedFirstLine(text, first.length < SNIFF_BYTES)
      : undefined;
  if (notDelimited !== undefined) {
    await decompressedIterator.return?.(undefined);
    const shown = notDelimited.length > 80 ? `${notDelimited.slice(0, 80)}…` : notDelimited;
    throw new InputError(
      `${file}: not SDF or CSV/TSV: first line ${JSON.stringify(shown)} (no SDF record, no delimited columns); --format sdf|csv forces one`,
      file,
      0,
      { code: 'MOLIMPORT_INPUT_FORMAT' },
    );
  }
  return {
    file,
    stream: prepend(first, decompressedIterator),
    compressed,
    totalBytes,
    bytesRead: () => consumed,
    format,
    remote:
      remote === undefined
        ? undefined
        : {
            url: remote.url,
            etag: remote.etag ?? null,
            lastModified: remote.lastModified ?? null,
            get reconnects() {
              return remote.resumes().reconnects;
            },
            get rangeResumes() {
              return remote.resumes().ranged;
            },
          },
    checksum: () => checksum?.result(),
  };
}

async function* gunzip(
  input: AsyncIterable<Buffer>,
  file: string,
  consumed: () => number,
): AsyncGenerator<Buffer> {
  try {
    // 256 KiB output chunks: a third less CPU than 64 KiB for the same bytes (fewer calls across the thread pool).
    yield* gunzipMembers(input, 262_144);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const at = err instanceof GzipFault ? err.byteOffset : consumed();
    throw new InputError(`${file}: ${errorMessage(err)}, at byte ${at}`, file, at, { cause: err });
  }
}

/** Pull from `it` until at least `n` bytes (or the end); returns them as one Buffer. */
async function collectAtLeast(it: AsyncIterator<Buffer>, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  while (size < n) {
    const r = await it.next();
    if (r.done === true) break;
    parts.push(r.value);
    size += r.value.length;
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
}

async function* prepend(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    if (head.length > 0) yield head;
    for (;;) {
      const r = await rest.next();
      if (r.done === true) return;
      yield r.value;
    }
  } finally {
    await rest.return?.(undefined);
  }
}

/**
 * Offset of the first byte in the first KB that no text file holds (NUL or a C0 control other than
 * tab, LF, VT, FF, CR, ESC, SUB); undefined when it looks like text.
 */
export function binaryOffset(buf: Uint8Array): number | undefined {
  const n = Math.min(buf.length, BINARY_CHECK_BYTES);
  for (let i = 0; i < n; i++) {
    const c = buf[i] as number;
    if (c < 9 || (c > 13 && c < 32 && c !== 26 && c !== 27)) return i;
  }
  return undefined;
}

/** Permission problems get their own code; everything else is a plain input error. */
function fsErrorCode(err: unknown): InputErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EACCES' || code === 'EPERM'
    ? 'MOLIMPORT_INPUT_UNREADABLE'
    : code === 'EISDIR'
      ? 'MOLIMPORT_INPUT_DIRECTORY'
      : 'MOLIMPORT_INPUT';
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return errorMessage(err);
}
