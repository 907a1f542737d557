/**
 * Zones in network namespaces (issue 15): two multicast domains, each its own switch with a
 * publisher, a bridge and a subscriber on three hosts; a NATS server with JetStream on a host of
 * its own that both switches reach (no forwarding: multicast never crosses). The bridges are
 * `ledgecast bridge` processes (compiled CLI: `npm run build` first). In one run:
 *
 * 1. both directions at once, overlapping `>` rules: every message once in the other zone, in
 *    order, never back home;
 * 2. 1 % of the TCP segments the NATS host receives dropped (nftables): the same;
 * 3. zone B cut off from NATS for 30 s (every TCP segment on that leg dropped) while zone A
 *    publishes: after the partition heals, zone B gets everything, once, in order, and no
 *    `dataLoss` anywhere.
 *
 * A second run puts two bridges in each zone, each on a host of its own: both of zone A's export
 * (JetStream de-duplicates them; the loopback test counts what it stored), one of zone B's imports; it is SIGKILLed mid-stream and
 * the other takes the import lease (a JetStream key-value bucket) within 5 s; zone B's subscriber
 * gets every message once, in order across the two bridges, and no `dataLoss`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { Lab, existingLabNamespaces, type LabHost } from './netlab.js';
import { describeLab, prepareLab, requireLab } from './lab-setup.js';
import { startLabPeer, stopAll, within, type CollectResult, type LabPeer } from './lab-peer.js';

const CLI = fileURLToPath(new URL('../../dist/cli/ledgecast.js', import.meta.url));
const PER_ROUND = 1500;
const SIZE = 64;

let labs: Lab[] = [];
let peers: (LabPeer | undefined)[] = [];
let dirs: string[] = [];

/** A process of the lab (nats-server, a bridge) with its output kept. */
interface LabProcess {
  readonly child: ChildProcess;
  readonly out: { text: string };
}

function startIn(lab: Lab, host: LabHost, cmd: string, args: readonly string[]): LabProcess {
  const child = lab.spawnIn(host, cmd, args);
  const out = { text: '' };
  for (const s of [child.stdout, child.stderr]) s?.on('data', (d: Buffer) => (out.text = (out.text + d.toString()).slice(-20_000)));
  return { child, out };
}

async function until(what: string, ms: number, cond: () => boolean): Promise<void> {
  await within(ms, what, (async () => {
    while (!cond()) await new Promise((r) => setTimeout(r, 100));
  })());
}

/** Deliveries of `r` from bridge `bridge` on `subject`, round `round`: count, and whether indexes ran 0..n-1 once in order. */
function roundOf(r: CollectResult, bridge: string, subject: string, round: number): { count: number; inOrder: boolean } {
  const s = r.streams.find((x) => x.sender === bridge && x.subject === subject);
  const rr = s?.rounds[String(round)];
  if (rr === undefined) return { count: 0, inOrder: false };
  return { count: rr.count, inOrder: rr.firstIndex === 0 && rr.lastIndex === rr.count - 1 && rr.indexRegressions === 0 && s!.payloadErrors === 0 };
}

/**
 * Two zones, each a switch with the hosts named, and NATS with JetStream on a host joined to both
 * switches (10.77.<subnet>.200 on each leg, port 4222); the labs and the directory are cleaned up
 * after the test.
 */
async function twoZonesLab(a: [string, number, string[]], b: [string, number, string[]]): Promise<{ labA: Lab; labB: Lab; natsHost: LabHost; dir: string }> {
  const labA = new Lab(...a);
  labs.push(labA);
  const labB = new Lab(...b);
  labs.push(labB);
  const natsHost = labA.joinedHost(labB, 'nats', 200);
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-zones-lab-'));
  dirs.push(dir);
  const nats = startIn(labA, natsHost, 'nats-server', ['-js', '-a', '0.0.0.0', '-p', '4222', '-sd', join(dir, 'js')]);
  await until('nats-server ready', 15_000, () => nats.out.text.includes('Server is ready'));
  return { labA, labB, natsHost, dir };
}

describeLab('lab: zones joined through NATS JetStream', () => {
  beforeAll(prepareLab);
  afterEach(async () => {
    await stopAll(peers);
    peers = [];
    const mine = labs.flatMap((l) => l.namespaces());
    for (const l of labs.reverse()) l.destroy();
    labs = [];
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    dirs = [];
    expect(existingLabNamespaces().filter((n) => mine.includes(n)), 'namespaces left behind').toEqual([]);
  });

  it('two zones on two switches, NATS on a host of its own: both directions, 1 % TCP drop, a 30 s partition: every message once, in order, never back home', async () => {
    requireLab();
    const { labA, labB, natsHost, dir } = await twoZonesLab(['za', 31, ['pubA', 'bridgeA', 'subA']], ['zb', 32, ['pubB', 'bridgeB', 'subB']]);

    const zones = [
      { zone: 'A', lab: labA, group: '239.255.31.1', natsUrl: `nats://10.77.31.200:4222` },
      { zone: 'B', lab: labB, group: '239.255.32.1', natsUrl: `nats://10.77.32.200:4222` },
    ];
    const bridges = zones.map(({ zone, lab, group, natsUrl }) => {
      const host = lab.host(`bridge${zone}`);
      const config = {
        zone,
        nats: { servers: [natsUrl], reconnectTimeWait: 250 },
        export: ['>', 'z.>'],
        import: ['>', 'z.*'],
        peer: { name: `bridge${zone}`, interface: host.address, group, port: 47931, ledger: { path: join(dir, `ledger-${zone}`) } },
      };
      const file = join(dir, `${zone}.json`);
      writeFileSync(file, JSON.stringify(config));
      return startIn(lab, host, process.execPath, [CLI, 'bridge', '--config', file]);
    });
    for (const [k, b] of bridges.entries()) await until(`bridge ${zones[k]!.zone} running`, 30_000, () => b.out.text.includes('running'));
    await until('zone B importing', 15_000, () => bridges[1]!.out.text.includes('"importing","active":true'));
    await until('zone A importing', 15_000, () => bridges[0]!.out.text.includes('"importing","active":true'));

    const peerOf = (z: (typeof zones)[number], role: string) => startLabPeer(z.lab, z.lab.host(`${role}${z.zone}`), `${role}${z.zone}`, { group: z.group, port: 47931 });
    const [subA, subB] = await Promise.all(zones.map((z) => peerOf(z, 'sub')));
    peers.push(subA, subB);
    await subA!.call('subscribe', { pattern: '>' });
    await subB!.call('subscribe', { pattern: '>' });
    const [pubA, pubB] = await Promise.all(zones.map((z) => peerOf(z, 'pub')));
    peers.push(pubA, pubB);
    await pubA!.waitJoined(['bridgeA', 'subA'], 15_000);
    await pubB!.waitJoined(['bridgeB', 'subB'], 15_000);
    await new Promise((r) => setTimeout(r, 1500)); // the bridges' export subscriptions are advertised

    const publishRound = (round: number, ratePerSec: number) =>
      Promise.all([
        pubA!.call('publish', { subject: 'z.a', count: PER_ROUND, size: SIZE, round, mode: 'steady', ratePerSec }, 60_000),
        pubB!.call('publish', { subject: 'z.b', count: PER_ROUND, size: SIZE, round, mode: 'steady', ratePerSec }, 60_000),
      ]);
    const collectBoth = async (total: number): Promise<[CollectResult, CollectResult]> =>
      (await Promise.all([subA!, subB!].map((s) => s.call<CollectResult>('collect', { expect: total, timeoutMs: 90_000, quietMs: 1500 }, 100_000)))) as [CollectResult, CollectResult];

    // 1. Both directions at once.
    await publishRound(1, 1000);
    // 2. 1 % of the TCP segments reaching the NATS host dropped.
    labA.nft(natsHost, 'table inet lab {\n  chain in {\n    type filter hook input priority 0; policy accept;\n    meta l4proto tcp numgen random mod 100 lt 1 counter drop comment "lab-tcp-drop"\n  }\n}\n');
    await publishRound(2, 1000);
    const tcpDropped = labA.nftCounters(natsHost)['lab-tcp-drop'] ?? 0;
    labA.nft(natsHost, 'delete table inet lab\n');
    // 3. Zone B's leg cut for 30 s while both publish.
    labA.nft(natsHost, 'table inet cut {\n  chain in {\n    type filter hook input priority 0; policy accept;\n    iifname "eth1" meta l4proto tcp counter drop comment "lab-partition"\n  }\n  chain out {\n    type filter hook output priority 0; policy accept;\n    oifname "eth1" meta l4proto tcp counter drop\n  }\n}\n');
    const cutAt = Date.now();
    const round3 = publishRound(3, 200);
    await new Promise((r) => setTimeout(r, 30_000));
    const cutDropped = labA.nftCounters(natsHost)['lab-partition'] ?? 0;
    labA.nft(natsHost, 'delete table inet cut\n');
    const healedAfterMs = Date.now() - cutAt;
    await round3;

    // Each subscriber: its own zone's 3 rounds (local) and the other zone's 3 rounds (imported).
    const [rA, rB] = await collectBoth(2 * 3 * PER_ROUND);
    const report = {
      healedAfterMs,
      tcpDropped,
      cutDropped,
      A: { delivered: rA.delivered, dataLoss: rA.dataLoss.length, streams: rA.streams.map((s) => `${s.sender}|${s.subject}|${s.delivered}`) },
      B: { delivered: rB.delivered, dataLoss: rB.dataLoss.length, streams: rB.streams.map((s) => `${s.sender}|${s.subject}|${s.delivered}`) },
    };
    console.log(JSON.stringify(report));
    // The faults took place: segments were dropped by the 1 % rule and by the cut.
    expect(tcpDropped).toBeGreaterThan(0);
    expect(cutDropped).toBeGreaterThan(0);
    for (const [r, home, other] of [
      [rA, 'A', 'B'],
      [rB, 'B', 'A'],
    ] as const) {
      const imported = `bridge${home}`;
      const otherSubject = other === 'A' ? 'z.a' : 'z.b';
      const homeSubject = home === 'A' ? 'z.a' : 'z.b';
      for (const round of [1, 2, 3]) expect({ home, round, ...roundOf(r, imported, otherSubject, round) }).toEqual({ home, round, count: PER_ROUND, inOrder: true });
      // Never back home: the bridge publishes nothing of this zone's own subject here.
      expect(r.streams.filter((s) => s.sender === imported && s.subject === homeSubject)).toEqual([]);
      expect(r.dataLoss).toEqual([]);
      expect(r.errors).toEqual([]);
    }
  }, 300_000);

  it('two bridges per zone on hosts of their own: both export (stored once), one imports; SIGKILL of the importing one mid-stream: the other takes over within 5 s, every message once, in order, no dataLoss', async () => {
    requireLab();
    const { labA, labB, dir } = await twoZonesLab(['zc', 33, ['pubA', 'bridgeA1', 'bridgeA2']], ['zd', 34, ['bridgeB1', 'bridgeB2', 'subB']]);
    const GROUP = { A: '239.255.33.1', B: '239.255.34.1' } as const;
    const bridgeIn = (lab: Lab, zone: 'A' | 'B', name: string): LabProcess => {
      const host = lab.host(name);
      const config = {
        zone,
        nats: { servers: [`nats://10.77.${zone === 'A' ? 33 : 34}.200:4222`], reconnectTimeWait: 250 },
        ...(zone === 'A' ? { export: ['z.>'] } : { import: ['z.>'] }),
        peer: { name, interface: host.address, group: GROUP[zone], port: 47933, ledger: { path: join(dir, `ledger-${name}`) } },
      };
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(config));
      return startIn(lab, host, process.execPath, [CLI, 'bridge', '--config', file]);
    };
    const exporters = ['bridgeA1', 'bridgeA2'].map((n) => bridgeIn(labA, 'A', n));
    const importers = ['bridgeB1', 'bridgeB2'].map((n) => bridgeIn(labB, 'B', n));
    for (const b of [...exporters, ...importers]) await until('bridge running', 30_000, () => b.out.text.includes('running'));
    const importingNow = (b: LabProcess): boolean | undefined => {
      const line = b.out.text.split('\n').findLast((l) => l.startsWith('{"event":"importing"'));
      return line === undefined ? undefined : (JSON.parse(line) as { active: boolean }).active;
    };
    await until('one importing bridge in zone B', 15_000, () => importers.some((b) => importingNow(b) === true));

    const subB = await startLabPeer(labB, labB.host('subB'), 'subB', { group: GROUP.B, port: 47933 });
    peers.push(subB);
    await subB.call('subscribe', { pattern: 'z.>' });
    const pubA = await startLabPeer(labA, labA.host('pubA'), 'pubA', { group: GROUP.A, port: 47933 });
    peers.push(pubA);
    await pubA.waitJoined(['bridgeA1', 'bridgeA2'], 15_000);
    await new Promise((r) => setTimeout(r, 1500)); // the bridges' export subscriptions are advertised

    const published = pubA.call('publish', { subject: 'z.a', count: PER_ROUND, size: SIZE, round: 1, mode: 'steady', ratePerSec: 300 }, 60_000);
    // A third delivered in zone B, then the importing bridge is killed.
    await within(30_000, 'a third in zone B', (async () => {
      while ((await subB.call<CollectResult>('collect', { expect: 0, timeoutMs: 0, quietMs: 0 })).delivered < PER_ROUND / 3) await new Promise((r) => setTimeout(r, 100));
    })());
    const active = importers.find((b) => importingNow(b) === true)!;
    const standby = importers.find((b) => b !== active)!;
    expect(importers.filter((b) => importingNow(b) === true)).toHaveLength(1);
    active.child.kill('SIGKILL');
    const killedAt = Date.now();
    await until('the standby bridge importing', 15_000, () => importingNow(standby) === true);
    const takeoverMs = Date.now() - killedAt;
    await published;

    const r = await subB.call<CollectResult>('collect', { expect: PER_ROUND, timeoutMs: 60_000, quietMs: 2000 }, 70_000);
    // The stream of z.a arrives from the killed bridge, then from the one that took over.
    const parts = r.streams.filter((x) => x.subject === 'z.a').map((x) => ({ sender: x.sender, ...x.rounds['1'] })).sort((a, b) => (a.firstIndex ?? 0) - (b.firstIndex ?? 0));
    console.log(JSON.stringify({ takeoverMs, delivered: r.delivered, dataLoss: r.dataLoss.length, parts: parts.map((p) => `${p.sender}: ${p.firstIndex}..${p.lastIndex} (${p.count})`) }));
    expect(takeoverMs).toBeLessThan(5000);
    expect(parts.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(PER_ROUND);
    let next = 0;
    for (const p of parts) {
      // Each bridge's part runs on from where the previous one ended: nothing twice, nothing missing, in order.
      expect({ sender: p.sender, firstIndex: p.firstIndex, lastIndex: p.lastIndex, regressions: p.indexRegressions }).toEqual({ sender: p.sender, firstIndex: next, lastIndex: next + (p.count ?? 0) - 1, regressions: 0 });
      next += p.count ?? 0;
    }
    expect(r.dataLoss).toEqual([]);
    expect(r.errors).toEqual([]);
  }, 300_000);
});
