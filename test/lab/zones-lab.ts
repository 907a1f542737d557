/**
 * The zones lab (test/lab/zones.test.ts): zones as switches of their own, NATS with JetStream on
 * hosts of their own joined to every zone's switch (no forwarding: multicast never crosses), and
 * `ledgecast bridge` processes (the compiled CLI: `npm run build` first) on the zones' hosts.
 *
 * {@link zonesLab} builds one: one NATS node (10.77.<zone subnet>.200, port 4222), or a
 * JetStream cluster of three, each node on its own host (.201, .202, .203; routes over the first
 * zone's switch). Everything it creates (namespaces, processes, directories) is removed by
 * {@link cleanUpZonesLabs} (afterEach), which also checks that no namespace and no nats-server
 * of the test is left.
 *
 * The checks read what the lab peers (lab-peer.ts) collected: imported messages arrive from a
 * bridge (`msg.sender`), so an origin stream is told by subject and round (each zone's publisher
 * uses its own round), and a stream that crossed through several bridges (a takeover, a restart
 * under another name) must join up from their parts: {@link expectOnceInOrder}.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { Lab, existingLabNamespaces, type LabHost } from './netlab.js';
import { stopAll, within, type CollectResult, type LabPeer } from './lab-peer.js';

const CLI = fileURLToPath(new URL('../../dist/cli/ledgecast.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A process of the lab (nats-server, a bridge) with the end of its output kept (a bridge's last stats line apart). */
export interface LabProcess {
  readonly child: ChildProcess;
  readonly out: { text: string; stats?: string };
  readonly exited: Promise<void>;
}

export function startIn(lab: Lab, host: LabHost, cmd: string, args: readonly string[]): LabProcess {
  const child = lab.spawnIn(host, cmd, args);
  const out: { text: string; stats?: string } = { text: '' };
  const keep = (text: string): void => void (out.text = (out.text + text).slice(-20_000));
  child.stderr?.on('data', (d: Buffer) => keep(d.toString()));
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      if (l.startsWith('{"event":"stats"')) out.stats = l;
      else keep(`${l}\n`);
    }
  });
  const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  return { child, out, exited };
}

/** SIGKILLs `p` and waits (bounded) until it is gone. */
export async function killHard(p: LabProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await within(5_000, 'a killed process to exit', p.exited);
}

export async function until(what: string, ms: number, cond: () => boolean): Promise<void> {
  await within(ms, what, (async () => {
    while (!cond()) await new Promise((r) => setTimeout(r, 100));
  })());
}

/** One zone of the lab: its switch, multicast group and port, and the NATS URLs its hosts reach. */
export interface LabZone {
  readonly zone: string;
  readonly lab: Lab;
  readonly group: string;
  readonly port: number;
  readonly natsServers: string[];
}

/** One NATS node of the lab, on a host of its own. */
export interface LabNatsNode {
  readonly name: string;
  readonly host: LabHost;
  /** SIGKILLs it (its store stays). */
  kill(): Promise<void>;
  /** Starts it again with the same configuration and store. */
  restart(): Promise<void>;
  /** The end of what its latest run wrote (for a report). */
  output(): string;
}

export interface ZonesLab {
  readonly zones: LabZone[];
  readonly nats: LabNatsNode[];
  readonly dir: string;
}

/** What {@link cleanUpZonesLabs} removes. */
let labs: Lab[] = [];
let dirs: string[] = [];
let processes: LabProcess[] = [];
let labPeers: LabPeer[] = [];

/** Keeps `p` for {@link cleanUpZonesLabs} to stop. */
export function track<T extends LabPeer>(p: T): T {
  labPeers.push(p);
  return p;
}

/** Kills the lab peers and every process of the labs, deletes the namespaces and directories; checks none is left. */
export async function cleanUpZonesLabs(): Promise<void> {
  await stopAll(labPeers);
  labPeers = [];
  const mine = labs.flatMap((l) => l.namespaces());
  for (const l of labs.reverse()) l.destroy();
  labs = [];
  const alive = processes;
  processes = [];
  await within(10_000, 'lab processes to exit', Promise.all(alive.map((p) => p.exited))).catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  expect(existingLabNamespaces().filter((n) => mine.includes(n)), 'namespaces left behind').toEqual([]);
  expect(alive.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => p.child.spawnargs.slice(4, 6).join(' ')), 'processes left behind').toEqual([]);
}

/**
 * Zones `specs` (each a switch `10.77.<subnet>.x` with the hosts named, multicast group
 * 239.255.<subnet>.1, port 47900 + subnet) and `natsNodes` NATS nodes (1 or 3) with JetStream,
 * each on a host joined to every zone's switch; resolves once every node is ready.
 */
export async function zonesLab(specs: readonly { zone: string; subnet: number; hosts: string[] }[], { natsNodes = 1 }: { natsNodes?: 1 | 3 } = {}): Promise<ZonesLab> {
  const zoneLabs = specs.map(({ zone, subnet, hosts }) => {
    const lab = new Lab(`z${zone.toLowerCase()}`, subnet, hosts);
    labs.push(lab);
    return lab;
  });
  const [first, ...others] = zoneLabs as [Lab, ...Lab[]];
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-zones-lab-'));
  dirs.push(dir);
  const octets = natsNodes === 1 ? [200] : [201, 202, 203];
  const routes = octets.map((o) => `nats-route://10.77.${first.subnet}.${o}:6222`).join(', ');
  const launches: (() => Promise<void>)[] = [];
  const nats = octets.map((octet, k): LabNatsNode => {
    const name = `n${k + 1}`;
    const host = first.joinedHost(others, `nats-${name}`, octet);
    const config = join(dir, `${name}.conf`);
    writeFileSync(
      config,
      [
        `server_name: ${name}`,
        'listen: 0.0.0.0:4222',
        `jetstream { store_dir: "${join(dir, name)}" }`,
        // no_advertise: clients keep to the URLs of their own zone's switch.
        ...(natsNodes === 1 ? [] : [`cluster { name: lc, listen: 0.0.0.0:6222, no_advertise: true, routes: [${routes}] }`]),
        '',
      ].join('\n'),
    );
    let p: LabProcess | undefined;
    const launch = async (): Promise<void> => {
      const started = startIn(first, host, 'nats-server', ['-c', config]);
      p = started;
      processes.push(started);
      await until(`nats-server ${name} ready`, 15_000, () => started.out.text.includes('Server is ready'));
    };
    launches.push(launch);
    return { name, host, kill: async () => (p === undefined ? undefined : killHard(p)), restart: launch, output: () => p?.out.text ?? '' };
  });
  await Promise.all(launches.map((l) => l()));
  if (natsNodes === 3) await placesReplicas3(first, nats, dir, launches);
  const zones = specs.map(({ zone, subnet }, k) => ({ zone, lab: zoneLabs[k]!, group: `239.255.${subnet}.1`, port: 47900 + subnet, natsServers: octets.map((o) => `nats://10.77.${subnet}.${o}:4222`) }));
  return { zones, nats, dir };
}

/**
 * Waits until the cluster `nats` places a stream of replicas 3 (a probe stream, created from
 * the first node's host and deleted), so that the bridges meet a cluster that works. Usually in
 * 0.5-2.5 s. In CI (7 December) a bridge started beside a fresh cluster was refused ("no
 * suitable peers for placement") and exited, which the wait for its "running" line took 120 s
 * to show; the bridge now waits for the cluster itself (bridge/engine-retry.ts), and this probe
 * keeps the lab's scenarios about what they test. A cluster that cannot place in 45 s has its
 * nodes' logs printed and is wiped and started again once.
 */
async function placesReplicas3(lab: Lab, nats: readonly LabNatsNode[], dir: string, launches: readonly (() => Promise<void>)[]): Promise<void> {
  const script = [
    "import { connect } from '@nats-io/transport-node';",
    "import { jetstreamManager } from '@nats-io/jetstream';",
    'const [servers, waitMs] = process.argv.slice(1);',
    'const nc = await connect({ servers: servers.split(","), timeout: 5000 });',
    'const t0 = Date.now();',
    'let said = "";',
    'for (;;) {',
    '  try {',
    '    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 2000 });',
    '    await jsm.streams.add({ name: "LAB_PROBE", subjects: ["lab.probe"], num_replicas: 3 });',
    '    await jsm.streams.delete("LAB_PROBE");',
    '    console.log(JSON.stringify({ ms: Date.now() - t0 }));',
    '    break;',
    '  } catch (e) {',
    '    said = e.message;',
    '    if (Date.now() - t0 > Number(waitMs)) { console.log(JSON.stringify({ ms: Date.now() - t0, error: said })); break; }',
    '    await new Promise((r) => setTimeout(r, 250));',
    '  }',
    '}',
    'await nc.close();',
  ].join('\n');
  const servers = [201, 202, 203].map((o) => `nats://10.77.${lab.subnet}.${o}:4222`).join(',');
  for (let attempt = 1; ; attempt++) {
    const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', nats[0]!.host.ns, process.execPath, '--input-type=module', '-e', script, servers, '45000'], { cwd: ROOT, timeout: 60_000 });
    const probe = JSON.parse(stdout) as { ms: number; error?: string };
    if (probe.error === undefined) return;
    const logs = nats.map((n) => `--- ${n.name}\n${n.output().slice(-6000)}`).join('\n');
    if (attempt >= 2) throw new Error(`the NATS cluster did not place a stream of replicas 3 in ${probe.ms} ms, twice (${probe.error}); the nodes' output:\n${logs}`);
    console.log(`the NATS cluster did not place a stream of replicas 3 in ${probe.ms} ms (${probe.error}); started again, wiped. The nodes' output:\n${logs}`);
    for (const n of nats) await n.kill();
    for (const n of nats) rmSync(join(dir, n.name), { recursive: true, force: true });
    await Promise.all(launches.map((l) => l()));
  }
}

/**
 * Starts `ledgecast bridge` on `z`'s host `name` (peer name `name`, ledger `<dir>/ledger-<name>`)
 * with `config` (zone, NATS servers and peer filled in); resolves once it says it runs.
 */
export async function startBridge(lab: ZonesLab, z: LabZone, name: string, config: Record<string, unknown>, { host = name }: { host?: string } = {}): Promise<LabProcess> {
  const h = z.lab.host(host);
  const full = {
    zone: z.zone,
    nats: { servers: z.natsServers, reconnectTimeWait: 250 },
    ...config,
    peer: { name, interface: h.address, group: z.group, port: z.port, ledger: { path: join(lab.dir, `ledger-${name}`) } },
  };
  const file = join(lab.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(full));
  // --stats 2: the counters as a JSON line on stdout every 2 s ({@link importRestarts}).
  const b = startIn(z.lab, h, process.execPath, [CLI, 'bridge', '--config', file, '--stats', '2']);
  processes.push(b);
  // The cluster of three places replicas 3 before the bridges start (placesReplicas3); a bridge
  // then takes a few seconds (lease bucket, streams, checkpoint). What it said goes in the error.
  await until(`bridge ${name} running`, 120_000, () => {
    if (b.child.exitCode !== null) throw new Error(`bridge ${name} exited (code ${b.child.exitCode})`);
    return b.out.text.includes('running');
  }).catch((err: Error) => {
    throw new Error(`${err.message}; the bridge's output: ${b.out.text.slice(-3000)}`);
  });
  return b;
}

/** Whether bridge `b` imports now, by its last `importing` line (undefined before the first). */
export function importingNow(b: LabProcess): boolean | undefined {
  const line = b.out.text.split('\n').filter((l) => l.startsWith('{"event":"importing"')).at(-1);
  return line === undefined ? undefined : (JSON.parse(line) as { active: boolean }).active;
}

/** The JSON event lines bridge `b` wrote (importing, blocked, error, …), for a report. */
export function bridgeEvents(b: LabProcess): string[] {
  return b.out.text.split('\n').filter((l) => l.startsWith('{"event":'));
}

/** The import consumer restarts bridge `b` counted, by its last stats line (undefined before the first). */
export function importRestarts(b: LabProcess): number | undefined {
  const line = b.out.stats;
  return line === undefined ? undefined : (JSON.parse(line) as { import?: { restarts?: number } }).import?.restarts;
}

/** What {@link streamState} reads: messages stored, the leader's name, the de-duplication window. */
export interface StreamState {
  readonly messages: number;
  readonly leader?: string;
  readonly outOfOrder?: number;
  readonly duplicateWindowMs: number;
}

/**
 * JetStream's view of `stream`, asked from inside `host`'s namespace (the test runs outside):
 * messages stored, the leader's server name and the de-duplication window. Asked again (3 times at most) when a node just
 * killed or restarted makes the request fail.
 */
export async function streamState(host: LabHost, servers: readonly string[], stream: string, { order = false }: { order?: boolean } = {}): Promise<StreamState> {
  // With `order`: the stream read from its start (an ordered consumer), counting the messages
  // stored after a later one of the same origin stream (Lc-Sender, Lc-Incarnation, subject; Lc-Seq).
  const script = [
    "import { connect } from '@nats-io/transport-node';",
    "import { jetstream, jetstreamManager } from '@nats-io/jetstream';",
    'const [servers, name, order] = process.argv.slice(1);',
    'const nc = await connect({ servers: servers.split(","), timeout: 5000 });',
    'const i = await (await jetstreamManager(nc)).streams.info(name);',
    'let outOfOrder;',
    'if (order === "1" && i.state.messages > 0) {',
    '  outOfOrder = 0;',
    '  const high = new Map();',
    '  const c = await jetstream(nc).consumers.get(name);',
    '  const it = await c.consume();',
    '  for await (const m of it) {',
    '    const k = `${m.headers?.get("Lc-Sender")}|${m.headers?.get("Lc-Incarnation")}|${m.subject}`;',
    '    const q = Number(m.headers?.get("Lc-Seq"));',
    '    if (q <= (high.get(k) ?? 0)) outOfOrder++; else high.set(k, q);',
    '    if (m.info.pending === 0) break;',
    '  }',
    '}',
    'console.log(JSON.stringify({ messages: i.state.messages, leader: i.cluster?.leader, outOfOrder, duplicateWindowMs: i.config.duplicate_window / 1e6 }));',
    'await nc.close();',
  ].join('\n');
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', host.ns, process.execPath, '--input-type=module', '-e', script, servers.join(','), stream, order ? '1' : '0'], { cwd: ROOT, timeout: 30_000 });
      return JSON.parse(stdout) as StreamState;
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** The parts of origin stream (`subject`, `round`) that `r` got from `senders`, by first index. */
export function partsOf(r: CollectResult, senders: readonly string[], subject: string, round: number): { sender: string; count: number; firstIndex: number; lastIndex: number; indexRegressions: number }[] {
  return r.streams
    .filter((s) => senders.includes(s.sender) && s.subject === subject && s.rounds[String(round)] !== undefined)
    .map((s) => ({ sender: s.sender, ...s.rounds[String(round)]!, payloadErrors: s.payloadErrors }))
    .map(({ sender, count, firstIndex, lastIndex, indexRegressions, payloadErrors }) => ({ sender, count, firstIndex, lastIndex, indexRegressions: indexRegressions + payloadErrors }))
    .sort((a, b) => a.firstIndex - b.firstIndex);
}

/**
 * Origin stream (`subject`, `round`) reached `r` from `senders` (one bridge, or several one after
 * the other) with indexes 0..count-1 each once and in order: each part runs on from where the
 * previous one ended.
 */
export function expectOnceInOrder(label: string, r: CollectResult, senders: readonly string[], subject: string, round: number, count: number): void {
  const parts = partsOf(r, senders, subject, round);
  expect(parts.reduce((n, p) => n + p.count, 0), `${label}: ${subject} round ${round} delivered (${JSON.stringify(parts)})`).toBe(count);
  let next = 0;
  for (const p of parts) {
    expect({ sender: p.sender, firstIndex: p.firstIndex, lastIndex: p.lastIndex, regressions: p.indexRegressions }, `${label}: ${subject} round ${round} (${JSON.stringify(parts)})`).toEqual({ sender: p.sender, firstIndex: next, lastIndex: next + p.count - 1, regressions: 0 });
    next += p.count;
  }
}

/**
 * The messages of origin stream (`origin` = `<zone>|<sender>`, `subject`) that crossed to `r`
 * (through whichever bridges): the origin's seqs 1..n each once and in order of arrival, and
 * each of `rounds` (the publisher's rounds, in that order) whole, its indexes 0..perRound-1 in
 * order. `reordered`: messages JetStream itself stored after a later one of their stream (see
 * the leader-failover test), which then arrive late (at most that many out of order), 0 unless given.
 */
export function expectCrossed(label: string, r: CollectResult, origin: string, subject: string, rounds: readonly number[], perRound: number, { reordered = 0 }: { reordered?: number } = {}): void {
  const s = r.originStreams.find((x) => x.sender === origin && x.subject === subject);
  const n = rounds.length * perRound;
  const what = `${label}: ${origin} ${subject}`;
  expect(
    s === undefined ? undefined : { delivered: s.delivered, firstSeq: s.firstSeq, lastSeq: s.lastSeq, duplicates: s.duplicates, gaps: s.gaps.slice(0, 10), payloadErrors: s.payloadErrors },
    `${what} by origin seq`,
  ).toEqual({ delivered: n, firstSeq: 1, lastSeq: n, duplicates: 0, gaps: [], payloadErrors: 0 });
  expect(s!.regressions, `${what}: delivered after a later one (JetStream stored ${reordered} so)`).toBeLessThanOrEqual(reordered);
  const got = Object.fromEntries(Object.entries(s!.rounds).map(([k, x]) => [k, { count: x.count, firstIndex: x.firstIndex, lastIndex: x.lastIndex, inOrder: x.indexRegressions <= reordered }]));
  expect(got, `${what} rounds`).toEqual(Object.fromEntries(rounds.map((k) => [String(k), { count: perRound, firstIndex: 0, lastIndex: perRound - 1, inOrder: true }])));
}

/** How many messages of origin stream (`subject`, `round`) `r` got, from anyone. */
export function countOf(r: CollectResult, subject: string, round: number): number {
  return r.streams.filter((s) => s.subject === subject).reduce((n, s) => n + (s.rounds[String(round)]?.count ?? 0), 0);
}

/**
 * Polls `peer` every 100 ms and keeps when the figure `count` picks from its deliveries grew:
 * the longest time without growth in a span, and when it first reached a value.
 */
export class DeliveryWatch {
  private readonly samples: { at: number; n: number }[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(peer: LabPeer, count: (r: CollectResult) => number) {
    this.loop = (async () => {
      while (this.running) {
        const r = await peer.call<CollectResult>('collect', { expect: 0, timeoutMs: 0, quietMs: 0 }).catch(() => undefined);
        if (r !== undefined) {
          const n = count(r);
          const last = this.samples.at(-1);
          if (last === undefined || n !== last.n) this.samples.push({ at: Date.now(), n });
        }
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
  }

  /** The figure now (at the last poll). */
  get now(): number {
    return this.samples.at(-1)?.n ?? 0;
  }

  /** Date.now() when the figure first reached `n`, if it did. */
  reachedAt(n: number): number | undefined {
    return this.samples.find((s) => s.n >= n)?.at;
  }

  /** The first growth after `t` (Date.now()), if any. */
  firstGrowthAfter(t: number): number | undefined {
    return this.samples.find((s) => s.at > t)?.at;
  }

  /** The longest time without growth from `from` until the figure reached `n` (ms), polled every 100 ms. */
  longestStall(from: number, n: number): number {
    const end = this.reachedAt(n) ?? Date.now();
    let prev = from;
    let longest = 0;
    for (const s of this.samples) {
      if (s.at <= from) continue;
      if (s.at > end) break;
      longest = Math.max(longest, s.at - prev);
      prev = s.at;
    }
    return longest;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
