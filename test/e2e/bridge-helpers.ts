/**
 * What the bridge e2e tests share: `ledgecast bridge` processes (the compiled CLI: run
 * `npm run build` first), their configuration files, zones kept apart, and reading what
 * JetStream stored and what zones received. Every file using it registers `runCleanups` in its
 * `afterEach`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freshNetwork, killAll, sleep, startPeer, within, type PeerProcess, type Rec } from './helpers.js';
import { startNatsServer, type NatsServer } from './nats-server.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/ledgecast.js', import.meta.url));
export type Net = ReturnType<typeof freshNetwork>;
export type Origin = { zone: string; sender: string; incarnation: number; seq: number };
export type ImportedRec = [...Rec, Origin];

export const cleanups: (() => Promise<void> | void)[] = [];

/** Runs the cleanups registered, newest first, then kills the peer processes left. */
export async function runCleanups(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
  await killAll();
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-bridge-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Two networks that share neither group nor port. */
export function twoZones(): [Net, Net] {
  const a = freshNetwork();
  let b = freshNetwork();
  while (b.group === a.group || Math.abs(b.port - a.port) < 2) b = freshNetwork();
  return [a, b];
}

/** A `ledgecast bridge` process. */
export class BridgeProcess {
  stderr = '';
  stdout = '';
  private child: ChildProcess | undefined;
  exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly name: string,
    private readonly configPath: string,
    /** More command-line flags (after `--config FILE`). */
    private readonly args: readonly string[] = [],
  ) {
    cleanups.push(() => this.kill());
  }

  /** Sends `signal` to the running process (SIGSTOP, SIGCONT: a bridge frozen a while). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Starts it and waits for its "running" line. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [CLI, 'bridge', '--config', this.configPath, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.stderr = '';
    child.stdout.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    await within(20_000, `${this.name} running`, (async () => {
      while (!this.stderr.includes('running')) {
        if (child.exitCode !== null) throw new Error(`${this.name} exited ${child.exitCode}: ${this.stderr}`);
        await sleep(50);
      }
    })());
  }

  /** The last JSON line of event `event` the bridge printed on stderr. */
  lastEvent(event: string): ({ event: string; active?: boolean } & Record<string, unknown>) | undefined {
    const prefix = `{"event":"${event}"`;
    const line = this.stderr.split('\n').findLast((l) => l.startsWith(prefix));
    return line === undefined ? undefined : (JSON.parse(line) as { event: string });
  }

  async kill(): Promise<void> {
    const c = this.child;
    if (c !== undefined && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await this.exited;
  }
}

export function writeConfig(dir: string, name: string, config: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Waits until `observer` has heard `name` advertise every pattern of `patterns` (its durable subscriptions are open). */
export async function waitPatterns(observer: PeerProcess, name: string, patterns: readonly string[], timeoutMs = 15_000): Promise<void> {
  await observer.waitEvent(
    (e) => (e.event === 'peerJoined' || e.event === 'peerUpdated') && e.payload.name === name && patterns.every((p) => e.payload.patterns?.includes(p)),
    timeoutMs,
    `${name} advertising ${patterns.join(' ')}`,
  );
}

export async function storedCount(server: NatsServer, stream: string): Promise<number> {
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(stream)).state.messages;
  } finally {
    await nc.close();
  }
}

/** Imported records by origin stream "zone|sender|subject": the origin seqs in arrival order. */
export function originSeqs(records: readonly ImportedRec[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const r of records) {
    const o = r[5];
    const k = `${o.zone}|${o.sender}|${r[0]}`;
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(o.seq);
  }
  return m;
}

export const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** What {@link exportAtoB} started. */
export interface AtoB {
  readonly server: NatsServer;
  readonly dir: string;
  readonly netA: Net;
  readonly netB: Net;
  /** Subscribed to `k.>` in zone B. */
  readonly subB: PeerProcess;
  /** Exports `k.>` from zone A. */
  readonly bridgeA: BridgeProcess;
  /** Imports `k.>` from zone A into zone B. */
  readonly bridgeB: BridgeProcess;
  /** A publisher in zone A that has heard bridge A's export subscription. */
  readonly pubA: PeerProcess;
}

/**
 * The usual setup of one direction: a NATS server, zones A and B, bridge A exporting `k.>` and
 * bridge B importing it, a subscriber in zone B and a publisher in zone A. `bridgeA`: more of
 * bridge A's configuration (its `peer` entry is merged with the zone's network and ledger);
 * `pubA`, `subB`: more createPeer options of the publisher, of the subscriber.
 */
export async function exportAtoB(bridgeA: Record<string, unknown> = {}, pubA: Record<string, unknown> = {}, subB: Record<string, unknown> = {}): Promise<AtoB> {
  const server = await startNatsServer();
  cleanups.push(() => server.stop());
  const dir = tempDir();
  const [netA, netB] = twoZones();
  const sub = await startPeer('subB', { ...netB, ...subB });
  await sub.call('subscribe', { patterns: ['k.>'] });
  const nats = { servers: [server.url], reconnectTimeWait: 250 };
  const { peer: peerA, ...restA } = bridgeA as { peer?: Record<string, unknown> };
  const a = new BridgeProcess('bridgeA', writeConfig(dir, 'A', { zone: 'A', nats, export: ['k.>'], ...restA, peer: { name: 'bridgeA', ...netA, ...peerA, ledger: { path: join(dir, 'ledger-A') } } }));
  const b = new BridgeProcess('bridgeB', writeConfig(dir, 'B', { zone: 'B', nats, import: ['k.>'], importFrom: ['A'], peer: { name: 'bridgeB', ...netB, ledger: { path: join(dir, 'ledger-B') } } }));
  await Promise.all([a.start(), b.start()]);
  const pub = await startPeer('pubA', { ...netA, ...pubA });
  await waitPatterns(pub, 'bridgeA', ['k.>']);
  return { server, dir, netA, netB, subB: sub, bridgeA: a, bridgeB: b, pubA: pub };
}
