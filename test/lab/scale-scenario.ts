/**
 * The many-peer lab scenario of issue 14 (item 5), at any size: `P` publishers and `S`
 * subscribers, each its own process (test/fixtures/lab/lab-peer.mjs), spread round-robin over
 * `hosts` network namespaces on one bridge (netlab.ts). Used by `scale.test.ts` (20 peers, CI)
 * and by `npm run lab:scale` (50 peers).
 *
 * - Publisher `pubK` publishes `messagesPerPublisher` messages at a fixed `ratePerPublisher`
 *   (the fixture's 'steady' mode: 10 ms ticks, a late tick made up), turning over
 *   `subjectsPerPublisher` subjects `pubK.s0 …`: message i goes to `pubK.s<i mod subjects>`
 *   with payload index floor(i / subjects), so each stream's indices are 0, 1, 2 ….
 *   Publishers keep a `sync` ledger, so a killed one continues its numbering.
 * - Subscriber `subJ` has, by J mod 3: 25 specific subjects; `pubK.>` plus 5 specific subjects
 *   of other publishers; two `*.sN` plus 5 specific subjects of other suffixes. No two patterns
 *   of one subscriber match the same subject (each subscription would get its own copy).
 * - During the publishing phase, `restartPublishers` publishers and `restartSubscribers`
 *   subscribers (seeded choice) are killed with SIGKILL at seeded random times and started
 *   again at once on the same host with the same name (and ledger). A restarted publisher
 *   publishes a second round (`round` 2 in the payload) of as many whole turns of its subjects
 *   as cover the rest of the phase. See `killPublishersAfterFirstTurn` for when publishers die.
 * - Once every publisher is done and every restarted peer is known by every other, each
 *   publisher sends a closing turn (round 3): one message on each of its subjects. Every
 *   stream's last message is then owed to every subscriber of it, restarted or not.
 *
 * The rules checked (see {@link checkSubscribers} and {@link checkFirstLife}), per subscriber and per stream of its patterns
 * (sender, subject):
 * - a subscriber never restarted gets every sequence from 1 to the stream's last exactly once
 *   and in order; the stream's last is its closing-turn message;
 * - a restarted subscriber is a new non-durable subscriber (README "late joiner"): its second
 *   incarnation gets, on each stream, every sequence from the first it hears to the last,
 *   once and in order, and nothing is reported lost for what came before; its first
 *   incarnation, looked at just before the kill, had a gap-free, duplicate-free prefix from 1;
 * - a restarted publisher's stream has no hole: its second round continues the numbering
 *   (every subscriber sees the same first sequence for round 2) and every sequence of the first
 *   round below it is delivered (served from the ledger when it missed the wire);
 * - no `dataLoss`, no `streamReset`, no `error` event anywhere, and no stream outside the
 *   subscriber's patterns.
 *
 * It also measures, per restart, how long until every other running peer had the new
 * incarnation in a `peerJoined` event (from the kill, and from the `createPeer` call of the new
 * process), and peak RSS and CPU time of the processes.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../actors/core.js';
import { Lab, existingLabNamespaces, type LabHost } from './netlab.js';
import { labExtraOptions } from './lab-setup.js';
import { LabPeer, stopAll, within, type CollectResult, type StreamSummary } from './lab-peer.js';

export interface ScaleConfig {
  /** Namespace tag (a few letters) and the lab's subnet 10.77.<subnet>.0/24. */
  tag: string;
  subnet: number;
  group: string;
  port: number;
  hosts: number;
  publishers: number;
  subscribers: number;
  subjectsPerPublisher: number;
  /** Messages per second of each publisher. */
  ratePerPublisher: number;
  /** The publishers' pacing tick: every tick sends what is due (one datagram per tick, mostly). */
  tickMs: number;
  /** Messages of each publisher's first round (a multiple of `subjectsPerPublisher`). */
  messagesPerPublisher: number;
  payloadBytes: number;
  restartPublishers: number;
  restartSubscribers: number;
  seed: number;
  /** Peer processes started at once (start-up is CPU-bound: 2 cores). */
  startConcurrency: number;
  /** How long subscribers may take to get the last messages once every publisher is done. */
  collectTimeoutMs: number;
}

export type SubscriberKind = 'specific' | 'publisher>' | '*.subject';

export interface SubscriberRow {
  name: string;
  kind: SubscriberKind;
  patterns: number;
  restarted: boolean;
  streams: number;
  expected: number;
  got: number;
  duplicates: number;
  outOfOrder: number;
  missing: number;
  /** Restarted subscribers: sequences published before their second incarnation first heard the stream. */
  beforeJoin: number;
  dataLoss: number;
  strayStreams: number;
  timedOut: boolean;
}

export interface RestartRow {
  name: string;
  role: 'publisher' | 'subscriber';
  host: string;
  atMs: number;
  /** Kill → the new process's createPeer called. */
  respawnMs: number;
  /** createPeer call → resolved. */
  createPeerMs: number;
  /** Kill → the last other running peer had the new incarnation's peerJoined (undefined: not all did). */
  killToKnownByAllMs?: number;
  /** createPeer call → the same. */
  startToKnownByAllMs?: number;
  /** createPeer call → half of those peers had it (the median observer). */
  startToKnownByHalfMs?: number;
  /** createPeer call → the restarted peer had a peerJoined of every other peer. */
  startToKnowsAllMs?: number;
  observers: number;
  notSeenBy: string[];
}

export interface ScaleReport {
  config: ScaleConfig;
  peers: number;
  durationMs: number;
  setupMs: number;
  /** Every peer started → every peer had a peerJoined of every other. */
  initialMeshMs: number;
  publishMs: number;
  /** Each publisher's achieved rate in its main run (the restarted ones: their second run), msg/s. */
  publisherRates: number[];
  collectMs: number;
  subscribers: SubscriberRow[];
  restarts: RestartRow[];
  /** Failed rules, one line each (empty: the run passed). */
  failures: string[];
  maxRssBytes: { publisher: number; subscriber: number };
  /** CPU time of the final processes over the whole run, in cores (2 = both cores busy). */
  cpuCores: number;
  /** The same during the publishing phase, over the processes that ran through it (restarted ones left out). */
  publishCpuCores: number;
  loadAvg1mAtEnd: number;
  totals: { naksSent: number; retransmitFramesSent: number; slowConsumer: number; peerLeft: number };
}


/** NATS-style matching: `*` is one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let k = 0; k < p.length; k++) {
    if (p[k] === '>') return s.length > k;
    if (k >= s.length) return false;
    if (p[k] !== '*' && p[k] !== s[k]) return false;
  }
  return p.length === s.length;
}

const pubName = (k: number) => `pub${k}`;
const subName = (j: number) => `sub${j}`;

/** The patterns of subscriber `j` (see the file overview); no two match one subject. */
export function subscriberPatterns(cfg: ScaleConfig, j: number, rng: () => number): { kind: SubscriberKind; patterns: string[] } {
  const pick = (n: number) => Math.floor(rng() * n);
  const chosen = new Set<string>();
  const addSpecifics = (n: number, ok: (k: number, s: number) => boolean) => {
    for (let tries = 0; chosen.size < n && tries < 10_000; tries++) {
      const k = pick(cfg.publishers);
      const s = pick(cfg.subjectsPerPublisher);
      if (ok(k, s)) chosen.add(`${pubName(k)}.s${s}`);
    }
  };
  switch (j % 3) {
    case 0:
      addSpecifics(25, () => true);
      return { kind: 'specific', patterns: [...chosen] };
    case 1: {
      const mine = Math.floor(j / 3) % cfg.publishers;
      addSpecifics(5, (k) => k !== mine);
      return { kind: 'publisher>', patterns: [`${pubName(mine)}.>`, ...chosen] };
    }
    default: {
      const a = pick(cfg.subjectsPerPublisher);
      let b = pick(cfg.subjectsPerPublisher);
      while (b === a) b = pick(cfg.subjectsPerPublisher);
      addSpecifics(5, (_k, s) => s !== a && s !== b);
      return { kind: '*.subject', patterns: [`*.s${a}`, `*.s${b}`, ...chosen] };
    }
  }
}

interface PeerSlot {
  name: string;
  role: 'publisher' | 'subscriber';
  host: LabHost;
  options: Record<string, unknown>;
  patterns: string[];
  kind?: SubscriberKind;
  /** The running process (the latest incarnation). */
  peer: LabPeer;
  incarnation: number;
  /** Date.now() when this incarnation's createPeer resolved. */
  startedAt: number;
  restarted: boolean;
  /** Publishers: the last round and how many messages it has. */
  round: number;
  roundMessages: number;
  publishing?: Promise<{ published: number; ms: number }>;
}

/** The payload round of the closing turn (first run 1, a restarted publisher's run 2). */
const CLOSING_ROUND = 3;

/**
 * `p`, marked handled: a publish still running when the scenario fails (or whose process is
 * killed) rejects when the lab is torn down, and must not surface as an unhandled rejection.
 * Awaiting the returned promise still throws.
 */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const k = next++;
        out[k] = await fn(items[k]);
      }
    }),
  );
  return out;
}

/** Starts one process of `slot` and its peer; returns the times of the createPeer call and its end. */
async function launch(lab: Lab, slot: PeerSlot): Promise<{ calledAt: number; createdAt: number }> {
  const p = new LabPeer(lab, slot.host, slot.name);
  slot.peer = p;
  // Generous: under load a new node process gets 1/50 of 2 cores and starts in seconds.
  await p.waitEvent((e) => e.event === 'alive', 60_000, 'child start');
  const calledAt = Date.now();
  const r = await p.call<{ incarnation: number }>('start', { options: { name: slot.name, interface: slot.host.address, ttl: 1, ...slot.options } }, 60_000);
  slot.incarnation = r.incarnation;
  slot.startedAt = Date.now();
  for (const pattern of slot.patterns) await p.call('subscribe', { pattern });
  return { calledAt, createdAt: slot.startedAt };
}

/** When `observer` first had a peerJoined of `name` (with `incarnation`, if given). */
function joinedAt(observer: LabPeer, name: string, incarnation?: number): number | undefined {
  return observer.events.find((e) => e.event === 'peerJoined' && e.payload.name === name && (incarnation === undefined || e.payload.incarnation === incarnation))?.atMs;
}

/** Runs the scenario (bounded in time throughout) and always tears the lab down. */
export async function runScaleScenario(cfg: ScaleConfig): Promise<ScaleReport> {
  if (cfg.messagesPerPublisher % cfg.subjectsPerPublisher !== 0) throw new RangeError('messagesPerPublisher must be a multiple of subjectsPerPublisher');
  const rng = createRng(cfg.seed); // the scenario must replay from its seed
  const t0 = Date.now();
  // The ledgers go to tmpfs when there is one: a SIGKILL loses nothing the kernel holds, so the
  // crash semantics are the same, and 10 publishers' fsyncs stay off the shared disk.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'lclab-scale-'));
  const labels = Array.from({ length: cfg.hosts }, (_, k) => `host${k + 1}`);
  const lab = new Lab(cfg.tag, cfg.subnet, labels);
  const slots: PeerSlot[] = [];
  const retired: LabPeer[] = [];
  try {
    const net = { group: cfg.group, port: cfg.port, ...labExtraOptions() };
    let n = 0;
    const host = () => lab.hosts[n++ % lab.hosts.length];
    for (let k = 0; k < cfg.publishers; k++) {
      const name = pubName(k);
      slots.push({ name, role: 'publisher', host: host(), options: { ...net, ledger: { path: join(dir, name), durability: 'sync' } }, patterns: [], peer: undefined as unknown as LabPeer, incarnation: 0, startedAt: 0, restarted: false, round: 1, roundMessages: cfg.messagesPerPublisher });
    }
    for (let j = 0; j < cfg.subscribers; j++) {
      const { kind, patterns } = subscriberPatterns(cfg, j, rng);
      slots.push({ name: subName(j), role: 'subscriber', kind, host: host(), options: net, patterns, peer: undefined as unknown as LabPeer, incarnation: 0, startedAt: 0, restarted: false, round: 0, roundMessages: 0 });
    }
    const publishers = slots.filter((s) => s.role === 'publisher');
    const subscribers = slots.filter((s) => s.role === 'subscriber');

    // Subscribers first (subscribed before any stream begins: they are owed every message).
    await mapLimit(subscribers, cfg.startConcurrency, (s) => launch(lab, s));
    await mapLimit(publishers, cfg.startConcurrency, (s) => launch(lab, s));
    const allStarted = Date.now();
    const names = slots.map((s) => s.name);
    await within(60_000, 'every peer to know every other', Promise.all(slots.map((s) => s.peer.waitJoined(names.filter((x) => x !== s.name), 60_000))));
    const meshAt = Math.max(...slots.flatMap((s) => names.filter((x) => x !== s.name).map((x) => joinedAt(s.peer, x) ?? Infinity)));
    const setupMs = Date.now() - t0;

    // Publishing, with the restarts at seeded times.
    const phaseMs = (cfg.messagesPerPublisher / cfg.ratePerPublisher) * 1000;
    const publishArgs = (slot: PeerSlot) => ({ subject: `${slot.name}.s`, subjectCount: cfg.subjectsPerPublisher, count: slot.roundMessages, size: cfg.payloadBytes, round: slot.round, mode: 'steady', ratePerSec: cfg.ratePerPublisher, tickMs: cfg.tickMs });
    type Usage = { maxRssBytes: number; cpuUserUs: number; cpuSystemUs: number };
    const usageOf = (x: PeerSlot) => x.peer.call<Usage>('usage', {}, 30_000);
    const cpuUs = (u: Usage) => u.cpuUserUs + u.cpuSystemUs;
    const usageAtPub = new Map((await Promise.all(slots.map(async (x) => [x.name, { peer: x.peer, u: await usageOf(x) }] as const))));
    const tPub = Date.now();
    for (const p of publishers) p.publishing = quiet(p.peer.call('publish', publishArgs(p), phaseMs + 120_000));
    const victims = [...shuffle(publishers, rng).slice(0, cfg.restartPublishers), ...shuffle(subscribers, rng).slice(0, cfg.restartSubscribers)];
    const firstLives = new Map<string, CollectResult>();
    const restartTasks = victims.map(async (slot) => {
      // Any point: a publisher's kill may fall between the commit and the send of a new stream's
      // first message (what the DATA/HEARTBEAT `resumed` part of protocol version 4 recovers).
      const from = 0.15 * phaseMs;
      const atMs = Math.round(from + Math.max(0, 0.7 * phaseMs - from) * rng());
      if (atMs >= phaseMs) throw new RangeError(`no room to kill ${slot.name} within the phase (${phaseMs} ms)`);
      await sleep(Math.max(0, tPub + atMs - Date.now()));
      if (slot.role === 'subscriber') firstLives.set(slot.name, await slot.peer.call<CollectResult>('collect', { expect: 0, timeoutMs: 0, quietMs: 0 }, 30_000));
      const old = slot.peer;
      old.kill('SIGKILL');
      const killedAt = Date.now();
      const killedAtMs = killedAt - tPub;
      await within(10_000, `${slot.name} to exit`, old.exited);
      retired.push(old);
      slot.restarted = true;
      const { calledAt, createdAt } = await launch(lab, slot);
      if (slot.role === 'publisher') {
        const leftMs = Math.max(0, tPub + phaseMs - Date.now());
        const turns = Math.max(1, Math.ceil((leftMs / 1000) * cfg.ratePerPublisher / cfg.subjectsPerPublisher));
        slot.round = 2;
        slot.roundMessages = turns * cfg.subjectsPerPublisher;
        slot.publishing = quiet(slot.peer.call('publish', publishArgs(slot), (slot.roundMessages / cfg.ratePerPublisher) * 1000 + 120_000));
      }
      return { slot, atMs: killedAtMs, killedAt, calledAt, createdAt };
    });
    const restarted = await Promise.all(restartTasks);
    const runs = await Promise.all(publishers.map((p) => p.publishing as Promise<{ published: number; ms: number }>));
    const publisherRates = runs.map((r) => Math.round(r.published / (r.ms / 1000)));
    const publishMs = Date.now() - tPub;
    // CPU of the processes that ran through the whole phase (the restarted ones are left out).
    const steady = slots.filter((x) => usageAtPub.get(x.name)?.peer === x.peer);
    const usageAfterPub = await Promise.all(steady.map(usageOf));
    const publishCpuCores = steady.reduce((a, x, k) => a + cpuUs(usageAfterPub[k]) - cpuUs((usageAtPub.get(x.name) as { u: Usage }).u), 0) / 1000 / (Date.now() - tPub);

    // Restart-to-known: every running peer started before the restart must get the new
    // incarnation in a peerJoined (waited for, bounded, so the closing turn finds it known).
    const observersOf = (r: (typeof restarted)[number]) => slots.filter((o) => o !== r.slot && o.startedAt < r.calledAt);
    const knownDeadline = Date.now() + 30_000;
    while (Date.now() < knownDeadline && !restarted.every((r) => observersOf(r).every((o) => joinedAt(o.peer, r.slot.name, r.slot.incarnation) !== undefined))) await sleep(100);
    const restarts: RestartRow[] = restarted.map((r) => {
      const { slot, atMs, killedAt, calledAt, createdAt } = r;
      const observers = observersOf(r);
      const seen = observers.map((o) => ({ o, at: joinedAt(o.peer, slot.name, slot.incarnation) }));
      const notSeenBy = seen.filter((x) => x.at === undefined).map((x) => x.o.name);
      const last = notSeenBy.length === 0 ? Math.max(...seen.map((x) => x.at as number)) : undefined;
      const times = seen.filter((x) => x.at !== undefined).map((x) => x.at as number).sort((a, b) => a - b);
      const half = times.length >= Math.ceil(observers.length / 2) ? times[Math.ceil(observers.length / 2) - 1] : undefined;
      const others = slots.filter((o) => o !== slot).map((o) => joinedAt(slot.peer, o.name));
      const knowsAll = others.every((x) => x !== undefined) ? Math.max(...(others as number[])) : undefined;
      return {
        name: slot.name,
        role: slot.role,
        host: slot.host.label,
        atMs,
        respawnMs: calledAt - killedAt,
        createPeerMs: createdAt - calledAt,
        killToKnownByAllMs: last === undefined ? undefined : last - killedAt,
        startToKnownByAllMs: last === undefined ? undefined : last - calledAt,
        startToKnownByHalfMs: half === undefined ? undefined : half - calledAt,
        startToKnowsAllMs: knowsAll === undefined ? undefined : knowsAll - calledAt,
        observers: observers.length,
        notSeenBy,
      };
    });

    // The closing turn: one message on every subject, once every peer is back and known, so
    // that every stream's last message is owed to every subscriber of it, restarted or not.
    const tClose = Date.now();
    await Promise.all(
      publishers.map((p) => {
        p.round = CLOSING_ROUND;
        p.roundMessages = cfg.subjectsPerPublisher;
        return p.peer.call('publish', publishArgs(p), (cfg.subjectsPerPublisher / cfg.ratePerPublisher) * 1000 + 60_000);
      }),
    );
    const expectedStreams = new Map<string, [string, string, number, number][]>();
    for (const s of subscribers) {
      const list: [string, string, number, number][] = [];
      for (const p of publishers) {
        for (let q = 0; q < cfg.subjectsPerPublisher; q++) {
          const subject = `${p.name}.s${q}`;
          const hits = s.patterns.filter((pat) => subjectMatches(pat, subject)).length;
          if (hits > 1) throw new Error(`${s.name}: ${subject} matches ${hits} of its patterns`);
          if (hits === 1) list.push([p.name, subject, CLOSING_ROUND, 0]);
        }
      }
      expectedStreams.set(s.name, list);
    }
    const results = await Promise.all(
      subscribers.map((s) => s.peer.call<CollectResult>('collect', { untilStreams: expectedStreams.get(s.name), timeoutMs: cfg.collectTimeoutMs, quietMs: 1000 }, cfg.collectTimeoutMs + 30_000)),
    );
    const collectMs = Date.now() - tClose;
    const loadAvg1mAtEnd = loadavg()[0];

    const failures: string[] = [];
    const restartedPublishers = new Set(publishers.filter((p) => p.restarted).map((p) => p.name));
    const rows = checkSubscribers(subscribers, results, expectedStreams, restartedPublishers, failures);
    for (const [name, r] of firstLives) checkFirstLife(name, r, failures);
    for (const r of restarts) if (r.notSeenBy.length > 0) failures.push(`restart of ${r.name}: the new incarnation was never a peerJoined at ${r.notSeenBy.join(', ')}`);

    const usage = await Promise.all(slots.map(usageOf));
    const stats = await Promise.all(slots.map((s) => s.peer.call<any>('stats', {}, 15_000)));
    const maxRss = (role: PeerSlot['role']) => Math.max(...slots.map((s, k) => (s.role === role ? usage[k].maxRssBytes : 0)));
    const count = (event: string) => slots.reduce((a, s) => a + s.peer.count(event), 0);
    const durationMs = Date.now() - t0;
    return {
      config: cfg,
      peers: slots.length,
      durationMs,
      setupMs,
      initialMeshMs: meshAt - allStarted,
      publishMs,
      publisherRates,
      collectMs,
      subscribers: rows,
      restarts,
      failures,
      maxRssBytes: { publisher: maxRss('publisher'), subscriber: maxRss('subscriber') },
      cpuCores: usage.reduce((a, u) => a + cpuUs(u), 0) / 1000 / (Date.now() - t0),
      publishCpuCores,
      loadAvg1mAtEnd,
      totals: {
        naksSent: stats.reduce((a, s) => a + (s?.actors?.receiver?.naksSent ?? 0), 0),
        retransmitFramesSent: stats.reduce((a, s) => a + (s?.actors?.retransmit?.retransmitFramesSent ?? 0), 0),
        slowConsumer: count('slowConsumer'),
        peerLeft: count('peerLeft'),
      },
    };
  } finally {
    await stopAll([...slots.map((s) => s.peer), ...retired]);
    const mine = lab.namespaces();
    lab.destroy();
    rmSync(dir, { recursive: true, force: true });
    const left = existingLabNamespaces().filter((ns) => mine.includes(ns));
    if (left.length > 0) throw new Error(`namespaces left behind: ${left.join(', ')}`);
  }
}

function shuffle<T>(xs: readonly T[], rng: () => number): T[] {
  const a = [...xs];
  for (let k = a.length - 1; k > 0; k--) {
    const m = Math.floor(rng() * (k + 1));
    [a[k], a[m]] = [a[m], a[k]];
  }
  return a;
}

/** The first incarnation of a restarted subscriber, just before its kill: a clean prefix from seq 1. */
function checkFirstLife(name: string, r: CollectResult, failures: string[]): void {
  const bad = r.streams.filter((s) => s.duplicates > 0 || s.regressions > 0 || s.gaps.length > 0 || s.firstSeq !== 1 || s.payloadErrors > 0);
  if (bad.length > 0) failures.push(`${name} (first incarnation): ${bad.length} streams not a clean prefix from 1, e.g. ${JSON.stringify(brief(bad[0]))}`);
  if (r.dataLoss.length > 0) failures.push(`${name} (first incarnation): ${r.dataLoss.length} dataLoss, e.g. ${JSON.stringify(r.dataLoss[0])}`);
  if (r.streamResets.length > 0 || r.errors.length > 0) failures.push(`${name} (first incarnation): streamReset ${r.streamResets.length}, error ${r.errors.length}`);
}

function brief(s: StreamSummary) {
  return { sender: s.sender, subject: s.subject, delivered: s.delivered, firstSeq: s.firstSeq, lastSeq: s.lastSeq, duplicates: s.duplicates, regressions: s.regressions, gaps: s.gaps.slice(0, 3), rounds: Object.fromEntries(Object.entries(s.rounds).map(([k, r]) => [k, { count: r.count, firstSeq: r.firstSeq, lastSeq: r.lastSeq, offsets: r.offsets }])) };
}

/** Applies the rules of the file overview to every subscriber's final incarnation; returns its table rows. */
function checkSubscribers(
  subscribers: readonly PeerSlot[],
  results: readonly CollectResult[],
  expectedStreams: ReadonlyMap<string, [string, string, number, number][]>,
  restartedPublishers: ReadonlySet<string>,
  failures: string[],
): SubscriberRow[] {
  // Each round after the first begins at one sequence per stream, the same at every subscriber.
  const roundBase = new Map<string, Set<number>>();
  results.forEach((r) => {
    for (const s of r.streams) {
      for (const [round, rs] of Object.entries(s.rounds)) {
        if (round === '1') continue;
        const key = `${s.sender}|${s.subject}|${round}`;
        let set = roundBase.get(key);
        if (set === undefined) roundBase.set(key, (set = new Set()));
        for (const o of rs.offsets) set.add(o);
      }
    }
  });
  for (const [key, set] of roundBase) if (set.size !== 1) failures.push(`${key}: subscribers disagree on the first sequence of the round: ${[...set].join(', ')}`);

  return subscribers.map((slot, k) => {
    const r = results[k];
    const want = expectedStreams.get(slot.name) ?? [];
    const wantKeys = new Set(want.map(([p, s]) => `${p}|${s}`));
    const byKey = new Map(r.streams.map((s) => [`${s.sender}|${s.subject}`, s]));
    const row: SubscriberRow = {
      name: slot.name,
      kind: slot.kind as SubscriberKind,
      patterns: slot.patterns.length,
      restarted: slot.restarted,
      streams: want.length,
      expected: 0,
      got: r.delivered,
      duplicates: 0,
      outOfOrder: 0,
      missing: 0,
      beforeJoin: 0,
      dataLoss: r.dataLoss.length,
      strayStreams: r.streams.filter((s) => !wantKeys.has(`${s.sender}|${s.subject}`)).length,
      timedOut: r.timedOut,
    };
    const bad: StreamSummary[] = [];
    let absent = 0;
    for (const [sender, subject, round, index] of want) {
      // The stream's last sequence: the closing message's index plus its round's offset.
      const base = [...(roundBase.get(`${sender}|${subject}|${round}`) ?? [])][0];
      const lastSeq = base === undefined ? undefined : base + index;
      const s = byKey.get(`${sender}|${subject}`);
      if (s === undefined || lastSeq === undefined) {
        absent++;
        // Owed: the whole stream, or (restarted, or nobody got the closing message) at least that one.
        const owed = slot.restarted || lastSeq === undefined ? 1 : lastSeq;
        row.expected += owed;
        row.missing += owed;
        continue;
      }
      const from = slot.restarted ? s.firstSeq : 1;
      row.beforeJoin += from - 1;
      row.expected += lastSeq - from + 1;
      row.duplicates += s.duplicates;
      row.outOfOrder += s.regressions;
      const holes = s.gaps.filter(([a, b]) => !(a === 1 && b === from - 1));
      row.missing += holes.reduce((a, [x, y]) => a + y - x + 1, 0) + Math.max(0, lastSeq - s.lastSeq);
      // Within a round, seq - index is one number (the first run's is 1): no number skipped or reused.
      const roundsOk = Object.entries(s.rounds).every(([rn, rs]) => rs.offsets.length === 1 && rs.indexRegressions === 0 && (rn !== '1' || rs.offsets[0] === 1));
      if (s.duplicates > 0 || s.regressions > 0 || holes.length > 0 || s.lastSeq !== lastSeq || s.payloadErrors > 0 || !roundsOk) bad.push(s);
    }
    if (absent > 0) failures.push(`${slot.name}: ${absent} of ${want.length} streams never delivered`);
    if (bad.length > 0) {
      // A stream of a restarted publisher whose first sequences are missing without any data
      // loss is the signature of messages committed but not sent before the kill, skipped after
      // the restart (the bug protocol version 4 fixed; test/e2e/ledger-unsent-resume.test.ts).
      const known = bad.filter((x) => restartedPublishers.has(x.sender) && x.gaps.length === 1 && x.gaps[0][0] === 1 && !slot.restarted).length;
      const note = known > 0 ? ` (${known} of them: seq 1.. of a restarted publisher skipped silently, committed but unsent before the kill)` : '';
      failures.push(`${slot.name}: ${bad.length} streams not every message once in order${note}, e.g. ${JSON.stringify(brief(bad[0]))}`);
    }
    if (row.strayStreams > 0) failures.push(`${slot.name}: ${row.strayStreams} streams outside its patterns`);
    if (r.timedOut) failures.push(`${slot.name}: timed out waiting for the last messages (${r.delivered} delivered)`);
    if (r.dataLoss.length > 0) failures.push(`${slot.name}: ${r.dataLoss.length} dataLoss, e.g. ${JSON.stringify(r.dataLoss[0])}`);
    if (r.streamResets.length > 0) failures.push(`${slot.name}: ${r.streamResets.length} streamReset`);
    if (r.errors.length > 0) failures.push(`${slot.name}: ${r.errors.length} errors, e.g. ${JSON.stringify(r.errors[0])}`);
    if (row.got !== row.expected && bad.length === 0 && absent === 0) failures.push(`${slot.name}: got ${row.got}, expected ${row.expected}`);
    return row;
  });
}

const pad = (v: unknown, w: number) => String(v).padStart(w);
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
const stat = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  const median = a.length % 2 === 1 ? a[(a.length - 1) / 2] : Math.round((a[a.length / 2 - 1] + a[a.length / 2]) / 2);
  return a.length === 0 ? 'n/a' : `min ${a[0]} / median ${median} / max ${a[a.length - 1]} ms`;
};

/** The summary printed by `npm run lab:scale` and by the CI test. */
export function formatScaleReport(r: ScaleReport): string {
  const c = r.config;
  const lines: string[] = [];
  lines.push(`ledgecast lab, ${r.peers} peers (${c.publishers} publishers x ${c.subjectsPerPublisher} subjects at ${c.ratePerPublisher} msg/s each, ${c.subscribers} subscribers) on ${c.hosts} namespaces, seed ${c.seed}`);
  lines.push(`duration ${(r.durationMs / 1000).toFixed(1)} s (setup ${(r.setupMs / 1000).toFixed(1)} s, initial mesh ${r.initialMeshMs} ms after the last start, publishing ${(r.publishMs / 1000).toFixed(1)} s at ${Math.min(...r.publisherRates)}-${Math.max(...r.publisherRates)} msg/s per publisher, last messages ${(r.collectMs / 1000).toFixed(1)} s)`);
  lines.push('');
  lines.push('subscriber  kind        patterns restarted streams  expected       got  dup  ooo  missing  beforeJoin  dataLoss  stray');
  for (const s of r.subscribers) {
    lines.push(`${s.name.padEnd(10)}  ${s.kind.padEnd(10)}  ${pad(s.patterns, 8)} ${pad(s.restarted ? 'yes' : '-', 9)} ${pad(s.streams, 7)} ${pad(s.expected, 9)} ${pad(s.got, 9)} ${pad(s.duplicates, 4)} ${pad(s.outOfOrder, 4)} ${pad(s.missing, 8)} ${pad(s.beforeJoin, 11)} ${pad(s.dataLoss, 9)} ${pad(s.strayStreams, 6)}${s.timedOut ? '  TIMED OUT' : ''}`);
  }
  const sum = (f: (s: SubscriberRow) => number) => r.subscribers.reduce((a, s) => a + f(s), 0);
  lines.push(`${'total'.padEnd(10)}  ${''.padEnd(10)}  ${pad('', 8)} ${pad(r.subscribers.filter((s) => s.restarted).length, 9)} ${pad(sum((s) => s.streams), 7)} ${pad(sum((s) => s.expected), 9)} ${pad(sum((s) => s.got), 9)} ${pad(sum((s) => s.duplicates), 4)} ${pad(sum((s) => s.outOfOrder), 4)} ${pad(sum((s) => s.missing), 8)} ${pad(sum((s) => s.beforeJoin), 11)} ${pad(sum((s) => s.dataLoss), 9)} ${pad(sum((s) => s.strayStreams), 6)}`);
  lines.push('');
  lines.push('restart     role        host    at (ms)  respawn  createPeer  kill->known-by-all  start->known-by-half  start->known-by-all  start->knows-all  observers');
  for (const x of r.restarts) {
    lines.push(`${x.name.padEnd(10)}  ${x.role.padEnd(10)}  ${x.host.padEnd(6)} ${pad(x.atMs, 8)} ${pad(x.respawnMs, 8)} ${pad(x.createPeerMs, 11)} ${pad(x.killToKnownByAllMs ?? 'never', 19)} ${pad(x.startToKnownByHalfMs ?? 'never', 21)} ${pad(x.startToKnownByAllMs ?? 'never', 20)} ${pad(x.startToKnowsAllMs ?? 'never', 17)} ${pad(x.observers, 10)}`);
  }
  const known = r.restarts.map((x) => x.killToKnownByAllMs).filter((x): x is number => x !== undefined);
  const knownFromStart = r.restarts.map((x) => x.startToKnownByAllMs).filter((x): x is number => x !== undefined);
  lines.push(`restart -> known by all (from the kill): ${stat(known)}; (from the new createPeer call): ${stat(knownFromStart)}`);
  lines.push(`peak RSS per process: publishers ${mb(r.maxRssBytes.publisher)}, subscribers ${mb(r.maxRssBytes.subscriber)}; CPU of all peers ${r.cpuCores.toFixed(2)} cores on average over the run, ${r.publishCpuCores.toFixed(2)} while publishing (${r.peers - r.restarts.length} processes that were not restarted); load average (1 min) at the end ${r.loadAvg1mAtEnd.toFixed(2)}`);
  lines.push(`NAKs sent ${r.totals.naksSent}, RETRANSMIT frames ${r.totals.retransmitFramesSent}, slowConsumer events ${r.totals.slowConsumer}, peerLeft events ${r.totals.peerLeft}`);
  lines.push(r.failures.length === 0 ? 'every rule held' : `FAILED (${r.failures.length}):\n  ${r.failures.join('\n  ')}`);
  return lines.join('\n');
}
