/**
 * An https:// input end to end, against a local node:https server with a certificate made for
 * 127.0.0.1 by the test: trusted through NODE_EXTRA_CA_CERTS it imports; untrusted it fails the
 * file with exit 1 and the TLS reason, never silently.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats } from '../helpers/cli.js';
import { spawnCli } from '../helpers/spawn-cli.js';

const CHEMBL = readFileSync(path.resolve(__dirname, '../../fixtures/samples/chembl_dump_head_200.sdf.gz'));

let dir: string;
let server: Server;
let url: string;
let t: CliTarget;
beforeAll(async () => {
  t = await cliTarget();
  dir = await mkdtemp(path.join(tmpdir(), 'molimport-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]),
    { stdio: 'ignore' },
  );
  server = createServer(
    { key: await readFile(path.join(dir, 'key.pem')), cert: await readFile(path.join(dir, 'cert.pem')) },
    (req, res) => {
      if (req.url === '/chembl_35_tls.sdf.gz') {
        res.writeHead(200, { 'content-length': String(CHEMBL.length) }).end(CHEMBL);
      } else res.writeHead(404).end();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/chembl_35_tls.sdf.gz`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('https:// inputs', () => {
  it('imports over TLS when the certificate is trusted (NODE_EXTRA_CA_CERTS)', async () => {
    const run = spawnCli(['chembl', url, ...t.args, '--table', 'tls', '--json', '--http-retries', '0'], {
      cwd: t.cwd,
      env: { ...t.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') },
    });
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(parseJsonStats(done.stdout)).toMatchObject({ read: 200, inserted: 200 });
  });

  it('an untrusted certificate fails the file (exit 1), saying why', async () => {
    // Default retries: a certificate error is not retried, so this answers at once.
    const run = spawnCli(['chembl', url, ...t.args, '--table', 'tls2', '--json'], {
      cwd: t.cwd,
      env: t.env,
    });
    const done = await run.done;
    expect(done.code).toBe(1);
    const stats = parseJsonStats(done.stdout);
    expect(stats.read).toBe(0);
    expect(stats.error).toContain(url);
    expect(stats.error).toMatch(/self-signed certificate/i);
    expect(stats.error).not.toMatch(/gave up/);
  });
});
