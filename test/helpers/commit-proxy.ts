/**
 * A TCP proxy on 127.0.0.1 in front of a PostgreSQL server that sees each COMMIT's reply and lets
 * the test decide what happens to it: forward it, or drop the client's connection without it (the
 * server has committed; the client never learns). It cuts only its own proxied connections.
 */
import net from 'node:net';

/** CommandComplete 'C', length 11, "COMMIT\0": the server's reply to a COMMIT that committed. */
const COMMIT_DONE = Buffer.from([0x43, 0, 0, 0, 11, ...Buffer.from('COMMIT\0')]);

export type CommitAction = 'forward' | 'drop';

export interface CommitProxy {
  port: number;
  /** Replies to COMMIT seen so far. */
  readonly commits: number;
  /** Connections cut so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

export async function startCommitProxy(
  upstream: { host: string; port: number },
  onCommit: (n: number) => CommitAction,
): Promise<CommitProxy> {
  let commits = 0;
  let dropped = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const db = net.connect(upstream.port, upstream.host);
    sockets.add(client).add(db);
    const cut = (): void => {
      client.destroy();
      // The server side is ended a moment later, after it has surely processed the COMMIT.
      setTimeout(() => db.destroy(), 200);
    };
    client.on('data', (chunk: Buffer) => db.write(chunk));
    db.on('data', (chunk: Buffer) => {
      if (chunk.includes(COMMIT_DONE) && onCommit(++commits) === 'drop') {
        dropped++;
        cut();
        return;
      }
      if (!client.destroyed) client.write(chunk);
    });
    client.on('error', () => db.destroy());
    db.on('error', () => client.destroy());
    client.on('close', () => {
      sockets.delete(client);
      db.end();
    });
    db.on('close', () => {
      sockets.delete(db);
      client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get commits() {
      return commits;
    },
    get dropped() {
      return dropped;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
