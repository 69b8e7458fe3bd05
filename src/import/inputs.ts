/**
 * The run's inputs before any record is read: for each path or URL, the checksum it must have
 * (`--checksum`), the release it belongs to, the local copy when `--download-dir` asks for one
 * (downloaded and verified before anything is imported), and its identity for `--resume`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { errorMessage, InputError } from '../errors.js';
import {
  ChecksumTracker,
  expectedChecksum,
  type ChecksumResult,
  type ExpectedChecksum,
} from '../sources/checksum.js';
import {
  headRemote,
  isFileUrl,
  isRemote,
  openRemote,
  type RemoteInputOptions,
} from '../sources/remote-input.js';
import { type RemoteInfo } from '../sources/open-input.js';
import type { ResolvedImportConfig } from './config.js';
import { fingerprintFile } from './fingerprint.js';

export interface PreparedInput {
  /** The path or URL as given. */
  given: string;
  /** What the run reads: `given`, or the downloaded copy. */
  readFrom: string;
  /** The checksum the bytes must have, when one is known before reading. */
  expected: ExpectedChecksum | undefined;
  /** `--release`, else `chembl_NN` from a ChEMBL file name. */
  release: string | null;
  /** The input could not be prepared (a failed download, a bad `.md5`): the file fails, the run goes on. */
  error: InputError | undefined;
  /** A completed run already loaded these bytes (same checksum): the file is skipped unless `--force`. */
  unchangedSinceRun: number | null;
  /** When downloaded first: the verified copy's checksum and what the server said. */
  downloaded: { path: string; checksum: ChecksumResult; remote: RemoteInfo } | undefined;
}

/** Remote-input options from the run's config. */
/** The settings URL reads need. */
export type RemoteSettings = Pick<ResolvedImportConfig, 'env' | 'httpRetries' | 'httpRetryDelayMs'>;

export function remoteOptions(cfg: RemoteSettings, signal?: AbortSignal): RemoteInputOptions {
  return { env: cfg.env, retries: cfg.httpRetries, retryDelayMs: cfg.httpRetryDelayMs, signal };
}

/** The release named by `--release`, else the `chembl_NN` in a ChEMBL file name, else null. */
export function releaseOf(input: string, given: string | undefined): string | null {
  if (given !== undefined) return given;
  const name = input.split(/[\\/]/).pop() ?? input;
  const m = /chembl_(\d+)/i.exec(name);
  return m ? `chembl_${m[1]}` : null;
}

export async function prepareInputs(
  cfg: ResolvedImportConfig,
  ctx: { signal: AbortSignal },
): Promise<PreparedInput[]> {
  const out: PreparedInput[] = [];
  const remote = remoteOptions(cfg, ctx.signal);
  for (const given of cfg.files) {
    const p: PreparedInput = {
      given,
      readFrom: isFileUrl(given) ? fileURLToPath(given) : given,
      expected: undefined,
      release: releaseOf(given, cfg.release),
      error: undefined,
      unchangedSinceRun: null,
      downloaded: undefined,
    };
    out.push(p);
    try {
      p.expected = await expectedChecksum(p.readFrom, cfg.checksum, remote);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      p.error = asInputError(err, given);
    }
  }
  return out;
}

/**
 * `--download-dir`: download the URL inputs that are still to be read (not failed, not skipped as
 * unchanged), each verified before the run reads it.
 */
export async function downloadInputs(
  cfg: ResolvedImportConfig,
  inputs: PreparedInput[],
  ctx: { signal: AbortSignal },
): Promise<void> {
  if (cfg.downloadDir === undefined) return;
  const remote = remoteOptions(cfg, ctx.signal);
  for (const p of inputs) {
    if (p.error || p.unchangedSinceRun !== null || !isRemote(p.given)) continue;
    try {
      p.downloaded = await download(p.given, cfg.downloadDir, p.expected, remote);
      p.readFrom = p.downloaded.path;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      p.error = asInputError(err, p.given);
    }
  }
}

function asInputError(err: unknown, given: string): InputError {
  return err instanceof InputError
    ? err
    : new InputError(`${given}: ${errorMessage(err)}`, given, undefined, { cause: err });
}

/**
 * Download `url` into `dir` (as `<name>.part`, renamed when complete and verified). A copy already
 * there with the expected checksum is used as is.
 */
async function download(
  url: string,
  dir: string,
  expected: ExpectedChecksum | undefined,
  remote: RemoteInputOptions,
): Promise<NonNullable<PreparedInput['downloaded']>> {
  await mkdir(dir, { recursive: true });
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'download');
  const final = path.join(dir, name);
  const part = `${final}.part`;
  const opened = await openRemote(url, remote);
  const tracker = new ChecksumTracker(url, expected);
  let bytes = 0;
  const hashed = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of opened.body) {
      tracker.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
    tracker.finish(bytes);
  };
  try {
    await pipeline(Readable.from(hashed()), createWriteStream(part));
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  if (opened.totalBytes !== undefined && bytes !== opened.totalBytes) {
    await rm(part, { force: true });
    throw new InputError(`${url}: truncated download: ${bytes} of ${opened.totalBytes} bytes`, url, bytes);
  }
  await rename(part, final);
  const r = opened.resumes();
  return {
    path: final,
    checksum: tracker.result()!,
    remote: {
      url,
      etag: opened.etag ?? null,
      lastModified: opened.lastModified ?? null,
      reconnects: r.reconnects,
      rangeResumes: r.ranged,
    },
  };
}

/** An input's identity for `--resume`: size and content fingerprint, or what the server says of a URL. */
export async function describeForResume(
  input: PreparedInput,
  cfg: RemoteSettings,
): Promise<{ path: string; size?: number; sha256?: string; etag?: string; lastModified?: string }> {
  if (input.given === '-') return { path: '-' };
  if (isRemote(input.readFrom)) {
    // A server that refuses HEAD: the URL alone identifies it (reading it will say what is wrong).
    const head = await headRemote(input.readFrom, remoteOptions(cfg)).catch(() => undefined);
    if (head === undefined) return { path: input.given };
    return {
      path: input.given,
      ...(head.totalBytes !== undefined ? { size: head.totalBytes } : {}),
      ...(head.etag !== undefined ? { etag: head.etag } : {}),
      ...(head.lastModified !== undefined ? { lastModified: head.lastModified } : {}),
    };
  }
  try {
    await stat(input.readFrom);
  } catch {
    // A missing file fails when it is read, with its own message.
    return { path: input.given };
  }
  return { path: input.given, ...(await fingerprintFile(input.readFrom)) };
}
