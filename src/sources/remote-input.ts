/**
 * Remote inputs: an `http://` or `https://` URL read as a stream of raw (still compressed) bytes,
 * with no temporary copy. A dropped connection or a body shorter than its Content-Length is retried
 * with backoff and resumed with `Range: bytes=N-` from the byte already received; a server that
 * ignores Range answers 200 with the whole body again, and the bytes already delivered are read and
 * dropped, so the stream the parser sees stays one continuous copy of the file either way. A server
 * that changes the file in between (other ETag or Last-Modified) fails the file instead.
 *
 * HTTP goes through undici (the client behind Node 20's fetch) with its `EnvHttpProxyAgent`, which
 * honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY as curl and most tools read them: Node 20's built-in
 * fetch ignores those variables, and undici's agent is the maintained implementation of the rules
 * (host suffixes, ports, `*`) rather than our own parser.
 */
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';
import { errorMessage, InputError } from '../errors.js';

/** How URL inputs are fetched: proxies, retries, backoff. */
export interface RemoteInputOptions {
  /** Where HTTP_PROXY, HTTPS_PROXY and NO_PROXY (or their lower-case forms) are read. @default process.env */
  env?: Record<string, string | undefined>;
  /** Retries after a failed request or a dropped body, per file. Integer 0–100. @default 5 */
  retries?: number;
  /** First backoff delay; doubled per retry, capped at 30 s. @default 1_000 */
  retryDelayMs?: number;
  /** Aborting stops the download at once. */
  signal?: AbortSignal;
  /** Told about each retry (for a warning event). */
  onRetry?: (info: { attempt: number; offset: number; reason: string }) => void;
}

export interface RemoteInput {
  url: string;
  /** Content-Length of the whole file, when the server sent one. */
  totalBytes: number | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
  /** Raw bytes of the file, once, in order, resumed across dropped connections. */
  body: AsyncIterable<Buffer>;
  /** Connections the body needed beyond the first, and how many of those the server let resume with Range. */
  resumes(): { reconnects: number; ranged: number };
}

export interface RemoteHead {
  url: string;
  totalBytes: number | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
}

const MAX_DELAY_MS = 30_000;

/** Whether `path` is an http(s) URL (read with retries and resume, see {@link RemoteInputOptions}). */
export function isRemote(path: string): boolean {
  return /^https?:\/\//i.test(path);
}

/** A file:// URL as a local path; other strings unchanged. */
export function isFileUrl(path: string): boolean {
  return /^file:\/\//i.test(path);
}

/** One proxy-aware dispatcher (following up to 5 redirects) for the given environment; close it when done. */
export function proxyDispatcher(env: Record<string, string | undefined> = process.env): Dispatcher {
  // '' (not undefined) when unset: undici would otherwise fall back to process.env, not `env`.
  const agent = new EnvHttpProxyAgent({
    httpProxy: env.HTTP_PROXY ?? env.http_proxy ?? '',
    httpsProxy: env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy ?? '',
    noProxy: env.NO_PROXY ?? env.no_proxy ?? '',
  });
  return agent.compose(interceptors.redirect({ maxRedirections: 5 }));
}

/** Open `url` for reading; retries the first request too. Throws `InputError` naming the URL. */
export async function openRemote(url: string, options: RemoteInputOptions = {}): Promise<RemoteInput> {
  const retries = options.retries ?? 5;
  const baseDelay = options.retryDelayMs ?? 1_000;
  const dispatcher = proxyDispatcher(options.env);
  let attempt = 0;
  let reconnects = 0;
  let ranged = 0;

  const fail = (message: string, offset?: number, cause?: unknown): InputError =>
    new InputError(`${url}: ${message}`, url, offset, cause === undefined ? undefined : { cause });

  /** Wait before the next try, or throw when the retries are spent. */
  const backoff = async (reason: string, offset: number): Promise<void> => {
    if (attempt >= retries)
      throw fail(`${reason}; gave up after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}`, offset);
    attempt++;
    options.onRetry?.({ attempt, offset, reason });
    await sleep(Math.min(baseDelay * 2 ** (attempt - 1), MAX_DELAY_MS), options.signal);
  };

  const get = async (offset: number, validator: string | undefined) => {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) {
      headers.range = `bytes=${offset}-`;
      if (validator !== undefined) headers['if-range'] = validator;
    }
    return request(url, { method: 'GET', headers, dispatcher, signal: options.signal });
  };

  // The first response: its headers describe the file.
  let first: Dispatcher.ResponseData;
  for (;;) {
    try {
      first = await get(0, undefined);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (isTlsTrustError(err)) throw fail(`TLS: ${describeNetError(err)}`, 0, err);
      await backoff(`request failed (${describeNetError(err)})`, 0);
      continue;
    }
    if (first.statusCode === 200) break;
    await first.body.dump().catch(() => undefined);
    if (retryable(first.statusCode)) {
      await backoff(`HTTP ${first.statusCode}`, 0);
      continue;
    }
    await dispatcher.close().catch(() => undefined);
    throw fail(`HTTP ${first.statusCode}${first.statusCode === 404 ? ' (not found)' : ''}`, 0);
  }
  const totalBytes = numberHeader(first.headers['content-length']);
  const etag = stringHeader(first.headers.etag);
  const lastModified = stringHeader(first.headers['last-modified']);
  // A weak ETag does not promise the same bytes, so If-Range uses only a strong one (RFC 9110 13.1.5).
  const validator = etag !== undefined && !etag.startsWith('W/') ? etag : lastModified;

  async function* body(): AsyncGenerator<Buffer> {
    let received = 0;
    let response: Dispatcher.ResponseData | undefined = first;
    try {
      for (;;) {
        if (response === undefined) {
          try {
            response = await get(received, validator);
          } catch (err) {
            if (options.signal?.aborted) throw err;
            await backoff(`reconnect failed (${describeNetError(err)})`, received);
            continue;
          }
          reconnects++;
          const s = response.statusCode;
          if (s === 416 && totalBytes !== undefined && received >= totalBytes) return;
          if (s !== 200 && s !== 206) {
            await response.body.dump().catch(() => undefined);
            response = undefined;
            if (retryable(s)) {
              await backoff(`HTTP ${s} on reconnect`, received);
              continue;
            }
            throw fail(`HTTP ${s} on reconnect at byte ${received}`, received);
          }
          checkSameFile(response, received);
          if (s === 206) ranged++;
        }
        // Bytes of this response to drop: all that was delivered already, when the server ignored Range.
        let drop = response.statusCode === 200 ? received : 0;
        try {
          for await (const chunk of response.body as AsyncIterable<Buffer>) {
            let buf = chunk;
            if (drop > 0) {
              if (buf.length <= drop) {
                drop -= buf.length;
                continue;
              }
              buf = buf.subarray(drop);
              drop = 0;
            }
            received += buf.length;
            yield buf;
          }
        } catch (err) {
          if (options.signal?.aborted) throw err;
          response = undefined;
          await backoff(`connection lost at byte ${received} (${describeNetError(err)})`, received);
          continue;
        }
        response = undefined;
        if (totalBytes === undefined || received >= totalBytes) return;
        await backoff(`body ended at byte ${received} of ${totalBytes}`, received);
      }
    } finally {
      if (response !== undefined) await response.body.dump().catch(() => undefined);
      await dispatcher.close().catch(() => undefined);
    }
  }

  /** A resumed response must be the same file: same validators, and a Content-Range that starts where we are. */
  function checkSameFile(response: Dispatcher.ResponseData, received: number): void {
    const e = stringHeader(response.headers.etag);
    const lm = stringHeader(response.headers['last-modified']);
    if (
      (etag !== undefined && e !== undefined && e !== etag) ||
      (lastModified !== undefined && lm !== undefined && lm !== lastModified)
    ) {
      throw fail(
        `the file changed on the server during the download (ETag/Last-Modified differ at byte ${received}); run again`,
        received,
      );
    }
    if (response.statusCode === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(stringHeader(response.headers['content-range']) ?? '');
      if (!range || Number(range[1]) !== received) {
        throw fail(
          `server resumed at the wrong place (Content-Range ${String(response.headers['content-range'])}, expected byte ${received})`,
          received,
        );
      }
    }
  }

  return {
    url,
    totalBytes,
    etag,
    lastModified,
    body: body(),
    resumes: () => ({ reconnects, ranged }),
  };
}

/** HEAD (falling back to a GET whose body is dropped): size and validators, for resume fingerprints. */
export async function headRemote(url: string, options: RemoteInputOptions = {}): Promise<RemoteHead> {
  const dispatcher = proxyDispatcher(options.env);
  const retries = options.retries ?? 5;
  const baseDelay = options.retryDelayMs ?? 1_000;
  try {
    for (let attempt = 0; ; attempt++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { method: 'HEAD', dispatcher, signal: options.signal });
      } catch (err) {
        if (attempt >= retries || isTlsTrustError(err))
          throw new InputError(`${url}: request failed (${describeNetError(err)})`, url, 0, { cause: err });
        await sleep(Math.min(baseDelay * 2 ** attempt, MAX_DELAY_MS), options.signal);
        continue;
      }
      await res.body.dump().catch(() => undefined);
      if (res.statusCode === 200) {
        return {
          url,
          totalBytes: numberHeader(res.headers['content-length']),
          etag: stringHeader(res.headers.etag),
          lastModified: stringHeader(res.headers['last-modified']),
        };
      }
      if (!retryable(res.statusCode) || attempt >= retries)
        throw new InputError(
          `${url}: HTTP ${res.statusCode}${res.statusCode === 404 ? ' (not found)' : ''}`,
          url,
          0,
        );
      await sleep(Math.min(baseDelay * 2 ** attempt, MAX_DELAY_MS), options.signal);
    }
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

/**
 * A small text resource (such as `<url>.md5`): its body, or undefined when the server says 404/410.
 * Other failures throw `InputError`.
 */
export async function fetchSmallText(
  url: string,
  options: RemoteInputOptions & { maxBytes?: number } = {},
): Promise<string | undefined> {
  const dispatcher = proxyDispatcher(options.env);
  const retries = options.retries ?? 5;
  const baseDelay = options.retryDelayMs ?? 1_000;
  const maxBytes = options.maxBytes ?? 65_536;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await request(url, { method: 'GET', dispatcher, signal: options.signal });
        if (res.statusCode === 404 || res.statusCode === 410) {
          await res.body.dump().catch(() => undefined);
          return undefined;
        }
        if (res.statusCode !== 200) {
          await res.body.dump().catch(() => undefined);
          if (!retryable(res.statusCode) || attempt >= retries)
            throw new InputError(`${url}: HTTP ${res.statusCode}`, url, 0);
        } else {
          const parts: Buffer[] = [];
          let size = 0;
          for await (const chunk of res.body as AsyncIterable<Buffer>) {
            size += chunk.length;
            if (size > maxBytes) throw new InputError(`${url}: larger than ${maxBytes} bytes`, url, 0);
            parts.push(chunk);
          }
          return Buffer.concat(parts).toString('utf8');
        }
      } catch (err) {
        if (err instanceof InputError || attempt >= retries || isTlsTrustError(err))
          throw err instanceof InputError
            ? err
            : new InputError(`${url}: request failed (${describeNetError(err)})`, url, 0, { cause: err });
      }
      await sleep(Math.min(baseDelay * 2 ** attempt, MAX_DELAY_MS), options.signal);
    }
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

/** A certificate the client does not trust: the same on every try, so not retried. */
function isTlsTrustError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code);
}

function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function stringHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function numberHeader(v: string | string[] | undefined): number | undefined {
  const s = stringHeader(v);
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  return Number(s);
}

function describeNetError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `${code}: ${errorMessage(err)}` : errorMessage(err);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
