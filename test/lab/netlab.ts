/**
 * A small lab of hosts in Linux network namespaces, for the multi-host tests (test/lab).
 *
 * Layout: one "switch" namespace holding a bridge, and one namespace per host joined to it by a
 * veth pair created directly inside the two namespaces (`ip link add eth0 netns HOST type veth
 * peer name pN netns SWITCH`), so no interface ever exists in the root namespace. Each host gets
 * `10.77.<subnet>.<n>/24` on its `eth0` and a route for 224.0.0.0/4 on that interface, inside
 * its own namespace only. Nothing of the root namespace (routes, interfaces, firewall) is
 * touched: the only trace outside the namespaces is their bind mounts under /run/netns, which
 * {@link Lab.destroy} removes.
 *
 * Cleanup, in three layers: `destroy()` (from afterAll/afterEach), a `process.on('exit')` safety
 * net that deletes every namespace this process created, and {@link removeStaleLabs}, which
 * deletes namespaces with our prefix left behind by a process that no longer exists (a runner
 * killed with SIGKILL). Namespace names carry the creating process's pid for that purpose.
 *
 * Needs root and the `ip` (iproute2) and `nft` (nftables) commands: see {@link labAvailability}.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Every namespace of the lab tests starts with this; the pid of the creating process follows. */
export const NS_PREFIX = 'lclab-';

/** Runs `cmd args…` synchronously; throws with the command and its stderr on failure. */
export function run(cmd: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

function tryRun(cmd: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  } catch {
    return undefined;
  }
}

/**
 * Whether this machine can run the lab: root, and `ip` and `nft` that work. `reason` says what
 * is missing. The check creates and deletes one namespace of its own.
 */
export function labAvailability(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, reason: `the lab tests need root to create network namespaces (uid ${process.getuid()})` };
  }
  for (const [cmd, pkg] of [['ip', 'iproute2'], ['nft', 'nftables']] as const) {
    if (tryRun(cmd, ['-V']) === undefined) return { ok: false, reason: `the \`${cmd}\` command is missing (Debian package ${pkg})` };
  }
  const probe = `${NS_PREFIX}${process.pid}-probe${randomBytes(2).toString('hex')}`;
  try {
    run('ip', ['netns', 'add', probe]);
    run('ip', ['netns', 'exec', probe, 'nft', 'list', 'tables']);
  } catch (err) {
    return { ok: false, reason: `cannot create a network namespace with nftables in it: ${(err as Error).message}` };
  } finally {
    tryRun('ip', ['netns', 'del', probe]);
  }
  return { ok: true };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listNamespaces(): string[] {
  const out = tryRun('ip', ['netns', 'list']) ?? '';
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n !== undefined && n.length > 0);
}

/** Kills every process still inside namespace `ns`, then deletes it (best effort, synchronous). */
function deleteNamespace(ns: string): void {
  const pids = (tryRun('ip', ['netns', 'pids', ns]) ?? '').split(/\s+/).filter((p) => /^\d+$/.test(p));
  for (const p of pids) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  tryRun('ip', ['netns', 'del', ns]);
}

/** Deletes lab namespaces whose creating process is gone (left by a killed run). Returns their names. */
export function removeStaleLabs(): string[] {
  const stale = listNamespaces().filter((ns) => {
    const m = /^lclab-(\d+)-/.exec(ns);
    return m !== null && Number(m[1]) !== process.pid && !processAlive(Number(m[1]));
  });
  for (const ns of stale) deleteNamespace(ns);
  return stale;
}

/** Namespaces of this process not yet deleted, for the exit safety net. */
const ownNamespaces = new Set<string>();
/** Children started in a namespace and not yet exited. */
const ownChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function cleanUpEverything(): void {
  for (const c of ownChildren) {
    try {
      c.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const ns of ownNamespaces) deleteNamespace(ns);
  ownNamespaces.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanUpEverything);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let signalsArmed = false;

/** A runner stopped by a signal does not emit 'exit': clean up, then die of the same signal. */
function onSignal(sig: NodeJS.Signals): void {
  cleanUpEverything();
  disarmSignals();
  process.kill(process.pid, sig);
}

/** Signal handlers only while this process has namespaces (they change how a signal ends it). */
function armSignals(): void {
  if (signalsArmed) return;
  signalsArmed = true;
  for (const sig of SIGNALS) process.on(sig, onSignal);
}

function disarmSignals(): void {
  if (!signalsArmed) return;
  signalsArmed = false;
  for (const sig of SIGNALS) process.off(sig, onSignal);
}

/** One host of the lab. */
export interface LabHost {
  /** Its namespace. */
  readonly ns: string;
  /** Its address (on `eth0`). */
  readonly address: string;
  readonly label: string;
}

/** Namespaces, a bridge and veth pairs; see the file overview. */
export class Lab {
  readonly hosts: LabHost[] = [];
  private readonly switchNs: string;
  /** Every namespace created, in creation order. */
  private readonly created: string[] = [];
  private destroyed = false;

  /**
   * Creates the switch and `labels.length` hosts `10.77.<subnet>.<1..n>`.
   * On failure everything created so far is deleted before the error is thrown.
   */
  constructor(
    tag: string,
    /** The third byte of this lab's addresses, `10.77.<subnet>.x`. */
    readonly subnet: number,
    labels: readonly string[],
  ) {
    installExitHook();
    if (!Number.isInteger(subnet) || subnet < 0 || subnet > 255) throw new RangeError(`subnet must be 0..255, got ${subnet}`);
    const base = `${NS_PREFIX}${process.pid}-${tag}${randomBytes(2).toString('hex')}`;
    this.switchNs = `${base}-sw`;
    try {
      this.addNamespace(this.switchNs);
      run('ip', ['-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge']);
      // Without a querier, IGMP snooping could stop flooding a group: plain flooding, like a hub.
      run('ip', ['-n', this.switchNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
      run('ip', ['-n', this.switchNs, 'link', 'set', 'br0', 'up']);
      labels.forEach((label, k) => {
        const ns = `${base}-h${k + 1}`;
        const port = `p${k + 1}`;
        const address = `10.77.${subnet}.${k + 1}`;
        this.addNamespace(ns);
        run('ip', ['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', this.switchNs]);
        run('ip', ['-n', this.switchNs, 'link', 'set', port, 'master', 'br0']);
        run('ip', ['-n', this.switchNs, 'link', 'set', port, 'up']);
        run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        run('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
        run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        run('ip', ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
        this.hosts.push({ ns, address, label });
      });
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /**
   * A host on this lab's switch and on each of `others`' switches: `eth0` `10.77.<subnet>.<octet>`
   * here, `eth1`, `eth2`, … `10.77.<other's subnet>.<octet>` on the others, in order, no
   * forwarding and no multicast route (so it joins the networks for its own services only: a
   * NATS server the zones reach, while multicast stays inside each). Its namespace belongs to
   * this lab.
   */
  joinedHost(others: Lab | readonly Lab[], label: string, octet: number): LabHost {
    const ns = `${this.switchNs.slice(0, -3)}-j${octet}`;
    const here = `10.77.${this.subnet}.${octet}`;
    this.addNamespace(ns);
    const legs: [Lab, string, string][] = [this, ...(others instanceof Lab ? [others] : others)].map((lab, k) => [lab, `eth${k}`, `10.77.${lab.subnet}.${octet}`]);
    for (const [lab, ifname, address] of legs) {
      const port = `j${octet}${ifname}`;
      run('ip', ['link', 'add', ifname, 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', lab.switchNs]);
      run('ip', ['-n', lab.switchNs, 'link', 'set', port, 'master', 'br0']);
      run('ip', ['-n', lab.switchNs, 'link', 'set', port, 'up']);
      run('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', ifname]);
      run('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
    }
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const host = { ns, address: here, label };
    this.hosts.push(host);
    return host;
  }

  /** Starts `cmd args…` inside `host`'s namespace (its output piped); killed by {@link destroy}. */
  spawnIn(host: LabHost, cmd: string, args: readonly string[]): ChildProcess {
    if (this.destroyed) throw new Error('the lab is destroyed');
    const child = spawn('ip', ['netns', 'exec', host.ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    ownChildren.add(child);
    child.once('exit', () => ownChildren.delete(child));
    return child;
  }

  /** The host labelled `label`. */
  host(label: string): LabHost {
    const h = this.hosts.find((x) => x.label === label);
    if (h === undefined) throw new Error(`no lab host ${label}`);
    return h;
  }

  /** Runs `nft -f -` with `script` inside `host`'s namespace. */
  nft(host: LabHost, script: string): void {
    run('ip', ['netns', 'exec', host.ns, 'nft', '-f', '-'], script);
  }

  /** The packet counters of `host`'s nftables rules that carry a `comment`, by comment. */
  nftCounters(host: LabHost): Record<string, number> {
    const out = run('ip', ['netns', 'exec', host.ns, 'nft', '-j', 'list', 'ruleset']);
    const counters: Record<string, number> = {};
    for (const item of (JSON.parse(out) as { nftables: { rule?: { comment?: string; expr: unknown[] } }[] }).nftables) {
      const rule = item.rule;
      if (rule?.comment === undefined) continue;
      for (const e of rule.expr as { counter?: { packets: number } }[]) if (e.counter) counters[rule.comment] = e.counter.packets;
    }
    return counters;
  }

  /**
   * Starts `node script jsonArg` inside `host`'s namespace with an IPC channel (`ip netns exec`
   * execs node in place, so the child's pid is node's).
   */
  spawnNode(host: LabHost, script: string, jsonArg: unknown): ChildProcess {
    if (this.destroyed) throw new Error('the lab is destroyed');
    const child = spawn('ip', ['netns', 'exec', host.ns, process.execPath, script, JSON.stringify(jsonArg)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    ownChildren.add(child);
    child.once('exit', () => ownChildren.delete(child));
    return child;
  }

  /** The namespaces of this lab. */
  namespaces(): string[] {
    return [...this.created];
  }

  /** Kills whatever still runs inside the lab and deletes every namespace (idempotent, synchronous). */
  destroy(): void {
    this.destroyed = true;
    // Hosts first, then the switch: deleting a namespace deletes the veth ends inside it.
    for (const ns of [...this.created].reverse()) {
      deleteNamespace(ns);
      ownNamespaces.delete(ns);
    }
    if (ownNamespaces.size === 0) disarmSignals();
  }

  private addNamespace(ns: string): void {
    armSignals();
    ownNamespaces.add(ns);
    this.created.push(ns);
    run('ip', ['netns', 'add', ns]);
  }
}

/** Names of every namespace with the lab prefix that exists now. */
export function existingLabNamespaces(): string[] {
  return listNamespaces().filter((n) => n.startsWith(NS_PREFIX));
}
