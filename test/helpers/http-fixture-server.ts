/**
 * A local HTTP server on 127.0.0.1 (node:http, a free port) serving fixture bytes with faults the
 * test chooses: a connection cut mid-body, 5xx answers before success, no Range support, a wrong
 * `.md5`. It logs every request so tests can assert what the client asked for (Range headers,
 * proxy use). Never a real host.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ServedFile {
  body: Buffer;
  /** Cut the connection after this many body bytes, for the first `times` GET requests. */
  cutAfter?: { bytes: number; times: number };
  /** Answer this status for the first `times` GET requests. */
  failFirst?: { status: number; times: number };
  /** Ignore Range headers (always 200 with the whole body). */
  noRange?: boolean;
  /** Send no Content-Length (chunked). */
  noLength?: boolean;
  /** Serve `<path>.md5` with this text; 'correct' computes it; absent → 404. */
  md5?: string;
  etag?: string;
  lastModified?: string;
  /** From the second GET on, send this ETag instead (the file changed on the server). */
  etagAfterFirst?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  range: string | undefined;
  /** The request line's target: absolute (`http://host/path`) when it came through a proxy. */
  target: string;
}

export interface FixtureServer {
  url(path: string): string;
  readonly port: number;
  readonly log: LoggedRequest[];
  files: Map<string, ServedFile>;
  close(): Promise<void>;
}

export async function startFixtureServer(files: Record<string, ServedFile> = {}): Promise<FixtureServer> {
  const served = new Map(Object.entries(files));
  const log: LoggedRequest[] = [];
  const gets = new Map<string, number>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? '/';
    const path = target.startsWith('http') ? new URL(target).pathname : target.split('?')[0]!;
    log.push({ method: req.method ?? 'GET', path, range: req.headers.range, target });
    const md5Of = path.endsWith('.md5') ? served.get(path.slice(0, -4)) : undefined;
    if (md5Of !== undefined) {
      if (md5Of.md5 === undefined) return void res.writeHead(404).end('not found');
      const text =
        md5Of.md5 === 'correct'
          ? `${createHash('md5').update(md5Of.body).digest('hex')}  ${path.slice(1, -4)}\n`
          : md5Of.md5;
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
    }
    const file = served.get(path);
    if (file === undefined) return void res.writeHead(404).end('not found');
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    const n = (gets.get(path) ?? 0) + (req.method === 'GET' ? 1 : 0);
    gets.set(path, n);
    const etag = file.etagAfterFirst !== undefined && n > 1 ? file.etagAfterFirst : file.etag;
    if (etag) headers.etag = etag;
    if (file.lastModified) headers['last-modified'] = file.lastModified;
    if (!file.noRange) headers['accept-ranges'] = 'bytes';
    if (req.method === 'HEAD') {
      if (!file.noLength) headers['content-length'] = String(file.body.length);
      return void res.writeHead(200, headers).end();
    }
    if (file.failFirst && n <= file.failFirst.times)
      return void res.writeHead(file.failFirst.status).end('boom');
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !file.noRange) start = Number(m[1]);
    if (start >= file.body.length && start > 0) {
      return void res.writeHead(416, { 'content-range': `bytes */${file.body.length}` }).end();
    }
    const part = file.body.subarray(start);
    if (!file.noLength) headers['content-length'] = String(part.length);
    if (start > 0) headers['content-range'] = `bytes ${start}-${file.body.length - 1}/${file.body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (file.cutAfter && n <= file.cutAfter.times) {
      const keep = Math.max(0, file.cutAfter.bytes - start);
      res.write(part.subarray(0, keep), () => {
        // Destroy after the bytes are flushed: the client sees a body shorter than its Content-Length.
        setTimeout(() => req.socket.destroy(), 20);
      });
      return;
    }
    res.end(part);
  };
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    log,
    files: served,
    url: (path) => `http://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A forward proxy on 127.0.0.1 that tunnels CONNECT requests (what undici's ProxyAgent sends, for
 * http and https targets alike) and forwards absolute-URI requests: enough to prove that
 * HTTP_PROXY is honoured. Records each target it was asked for.
 */
export async function startForwardProxy(): Promise<{
  url: string;
  forwarded: string[];
  close(): Promise<void>;
}> {
  const forwarded: string[] = [];
  const { request } = await import('node:http');
  const server = createServer((req, res) => {
    forwarded.push(req.url ?? '');
    const target = new URL(req.url ?? '');
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    forwarded.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
