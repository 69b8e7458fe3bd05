/**
 * A small network on one machine for tests that cross one: N "hosts", each a network namespace
 * joined to the root namespace by its own veth pair and address, and a server address on a veth of
 * its own in the root namespace (start a throwaway PostgreSQL on it: `startThrowawayPg({ host })`).
 * A host reaches the server through its veth only, so `cut()` (the link down) isolates exactly that
 * host: its packets are dropped silently, as when a cable or a switch fails, and nobody sees a FIN
 * or RST until `restore()`.
 *
 *   root namespace                                   namespace <prefix>-w<i>
 *   <prefix>d0  10.a.b.1/32   (the server's address)
 *   <prefix>h<i> 10.a.b.4i+1/30  <── veth ──>  <prefix>n<i> 10.a.b.4i+2/30, default route via 4i+1
 *
 * Names carry the creating process's PID (`mfn<pid base 36>`), so parallel runs never collide and a
 * later run removes what a crashed one left behind. Needs root and iproute2 (`ip`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { prerequisite, type Prerequisite } from './prereq.js';

export interface NetHost {
  /** The namespace's name (`ip netns exec <name> …`). */
  readonly netns: string;
  /** The host's own address, inside its namespace. */
  readonly address: string;
  /** The veth end in the root namespace, and its peer inside the namespace. */
  readonly outside: string;
  readonly inside: string;
  /** Prefix a command with this to run it on the host: `[...host.run, 'node', ...]`. */
  readonly run: readonly string[];
  /** Take the link down: from the root namespace (default) or from inside the host. */
  cut(from?: 'outside' | 'inside'): void;
  /** Bring the link back up (both ends) and the host's default route with it. */
  restore(): void;
}

export interface NetLab {
  /** The server's address (a veth of its own in the root namespace). */
  readonly serverAddress: string;
  /** Every address of the lab (the server's and the hosts'), as a CIDR: for pg_hba.conf. */
  readonly subnet: string;
  readonly hosts: readonly NetHost[];
  /** Remove every namespace and veth. Idempotent; also runs at process exit. */
  destroy(): void;
}

const PREFIX = 'mfn';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function quietly(f: () => unknown): void {
  try {
    f();
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** Remove namespaces and links that runs whose process is gone left behind (a crash, a kill -9). */
function sweepStale(): void {
  const owner = (name: string, re: RegExp): number | undefined => {
    const m = re.exec(name);
    return m ? parseInt(m[1]!, 36) : undefined;
  };
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = owner(name, /^mfn([0-9a-z]+)-w\d+$/);
    if (pid !== undefined && !alive(pid)) quietly(() => ip('netns', 'del', name));
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '';
    const pid = owner(name, /^mfn([0-9a-z]+)[dh]\d+$/);
    if (pid !== undefined && !alive(pid)) quietly(() => ip('link', 'del', name));
  }
}

/** A free 10.a.b.0/24 (no address of this machine in it), chosen at random. */
function freeSubnet(): string {
  const used = ip('-4', '-o', 'addr', 'show');
  for (let i = 0; i < 50; i++) {
    const net = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(` ${net}.`)) return net;
  }
  throw new Error('no free 10.x.y.0/24 subnet for the test network');
}

/**
 * Whether namespaces can be made here: root, `ip`, and `ip netns add` working (a container without
 * CAP_SYS_ADMIN refuses it). One loud line when not (CI=true: a failure, see prereq.ts).
 */
export function netnsPrerequisite(what: string): Prerequisite {
  const enable = 'run as root with iproute2 installed (apt-get install -y iproute2), as .ci/run does';
  let missing: string | undefined;
  if (process.getuid?.() !== 0) missing = 'not running as root (network namespaces need it)';
  else {
    const probe = `${PREFIX}${process.pid.toString(36)}-w0`;
    try {
      ip('netns', 'add', probe);
      ip('netns', 'del', probe);
    } catch (err) {
      const e = err as { code?: string; stderr?: string; message: string };
      missing =
        e.code === 'ENOENT'
          ? '`ip` (iproute2) is not installed'
          : `cannot create a network namespace: ${(e.stderr ?? e.message).trim()}`;
    }
  }
  return prerequisite(what, missing, enable);
}

/** Make `count` hosts and the server's address. Always `destroy()` it (e.g. in afterAll). */
export function createNetLab(count: number): NetLab {
  if (count < 1 || count > 60) throw new Error('createNetLab: 1–60 hosts');
  sweepStale();
  const tag = `${PREFIX}${process.pid.toString(36)}`;
  const net = freeSubnet();
  const made = { links: [] as string[], namespaces: [] as string[] };
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    // Deleting one end of a veth deletes its peer; deleting a namespace moves nothing back.
    for (const link of made.links) quietly(() => ip('link', 'del', link));
    for (const ns of made.namespaces) quietly(() => ip('netns', 'del', ns));
    process.removeListener('exit', destroy);
  };
  process.once('exit', destroy);
  try {
    const server = `${tag}d0`;
    ip('link', 'add', server, 'type', 'veth', 'peer', 'name', `${tag}d1`);
    made.links.push(server);
    ip('addr', 'add', `${net}.1/32`, 'dev', server);
    ip('link', 'set', server, 'up');
    ip('link', 'set', `${tag}d1`, 'up');
    const hosts: NetHost[] = [];
    for (let i = 1; i <= count; i++) {
      const netns = `${tag}-w${i}`;
      const outside = `${tag}h${i}`;
      const inside = `${tag}n${i}`;
      const gateway = `${net}.${4 * i + 1}`;
      const address = `${net}.${4 * i + 2}`;
      ip('netns', 'add', netns);
      made.namespaces.push(netns);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      made.links.push(outside);
      ip('link', 'set', inside, 'netns', netns);
      ip('addr', 'add', `${gateway}/30`, 'dev', outside);
      ip('link', 'set', outside, 'up');
      ip('-n', netns, 'addr', 'add', `${address}/30`, 'dev', inside);
      ip('-n', netns, 'link', 'set', 'lo', 'up');
      ip('-n', netns, 'link', 'set', inside, 'up');
      // The server's address is not on this /30: reach it through the root namespace, which
      // delivers packets for its own addresses whatever the interface (no forwarding needed).
      ip('-n', netns, 'route', 'add', 'default', 'via', gateway);
      hosts.push({
        netns,
        address,
        outside,
        inside,
        run: ['ip', 'netns', 'exec', netns],
        cut(from = 'outside') {
          if (from === 'outside') ip('link', 'set', outside, 'down');
          else ip('-n', netns, 'link', 'set', inside, 'down');
        },
        restore() {
          ip('link', 'set', outside, 'up');
          ip('-n', netns, 'link', 'set', inside, 'up');
          // A link going down takes the routes through it along; put the default route back.
          ip('-n', netns, 'route', 'replace', 'default', 'via', gateway);
        },
      });
    }
    return { serverAddress: `${net}.1`, subnet: `${net}.0/24`, hosts, destroy };
  } catch (err) {
    destroy();
    throw err;
  }
}
