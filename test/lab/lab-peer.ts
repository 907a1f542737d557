/**
 * The test's end of one peer process on a lab host (test/fixtures/lab/lab-peer.mjs, run with
 * `ip netns exec`), driven over the IPC channel. Every wait is bounded.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Lab, LabHost } from './netlab.js';

export const LAB_PEER_SCRIPT = fileURLToPath(new URL('../fixtures/lab/lab-peer.mjs', import.meta.url));

export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface LabEvent {
  readonly event: string;
  readonly payload: any;
  readonly atMs: number;
}

/** The summary of one stream that `collect` returns (see lab-peer.mjs). */
export interface StreamSummary {
  sender: string;
  subject: string;
  delivered: number;
  firstSeq: number;
  lastSeq: number;
  duplicates: number;
  regressions: number;
  gaps: [number, number][];
  payloadErrors: number;
  rounds: Record<string, { count: number; firstIndex: number; lastIndex: number; firstSeq: number; lastSeq: number; offsets: number[]; incarnations: number[]; indexRegressions: number }>;
}

export interface DataLoss {
  sender: string;
  subject: string;
  fromSeq: number;
  toSeq: number;
  reason: string;
}

export interface CollectResult {
  timedOut: boolean;
  waitedMs: number;
  /** Date.now() of the first delivery, if any. */
  firstDeliveryAt?: number;
  delivered: number;
  streams: StreamSummary[];
  /** Imported messages by origin stream: `sender` is `<zone>|<origin sender>`, seqs are the origin's. */
  originStreams: StreamSummary[];
  dataLoss: DataLoss[];
  streamResets: unknown[];
  errors: unknown[];
  events: Record<string, number>;
}

/** One peer process on one lab host. */
export class LabPeer {
  readonly events: LabEvent[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private waiters: (() => void)[] = [];
  /** Publishes done, as last reported by a running `publish` ('progress' events). */
  private progress = 0;

  constructor(
    lab: Lab,
    readonly host: LabHost,
    readonly label: string,
  ) {
    this.child = lab.spawnNode(host, LAB_PEER_SCRIPT, {});
    this.child.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < 200) this.stderr.push(d.toString());
    });
    this.child.stdout?.resume();
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        for (const p of this.pending.values()) p.reject(new Error(`${label} exited (code ${code}, signal ${signal}): ${this.stderr.join('').slice(0, 2000)}`));
        this.pending.clear();
        this.wake();
        resolve({ code, signal });
      });
    });
    this.child.on('message', (m: any) => {
      if (m && typeof m.id === 'number') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (!p) return;
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(`${label}: ${m.error?.name} [${m.error?.code ?? '-'}]: ${m.error?.message}`));
      } else if (m && typeof m.event === 'string') {
        // 'progress' comes every 50 ms: only the latest is kept.
        if (m.event === 'progress') this.progress = m.payload.accepted;
        else this.events.push({ event: m.event, payload: m.payload, atMs: Date.now() });
        this.wake();
      }
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a command and waits (at most `timeoutMs`) for its answer. */
  call<T = any>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, ...args }, (err) => {
        if (err) {
          this.pending.delete(id);
          reject(new Error(`${this.label}: cannot send ${cmd}: ${err.message}`));
        }
      });
    });
    return within(timeoutMs, `${this.label}.${cmd}`, answer);
  }

  /** Waits (bounded) for an event matching `pred`, including one already received. */
  async waitEvent(pred: (e: LabEvent) => boolean, timeoutMs: number, what: string): Promise<LabEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`${this.label} exited while waiting for ${what}: ${this.stderr.join('').slice(0, 2000)}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.events.map((e) => `${e.event}:${e.payload?.name ?? ''}`);
        throw new Error(`${this.label}: no ${what} within ${timeoutMs} ms; events: ${seen.join(', ')}; stderr: ${this.stderr.join('').slice(0, 1000)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until this peer has seen every named peer join. */
  async waitJoined(names: readonly string[], timeoutMs = 10_000): Promise<void> {
    for (const n of names) await this.waitEvent((e) => e.event === 'peerJoined' && e.payload.name === n, timeoutMs, `peerJoined ${n}`);
  }

  /** Waits (bounded) until a running `publish` reports at least `n` publishes done. */
  async waitAccepted(n: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.progress < n) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`${this.label} exited after ${this.progress} publishes: ${this.stderr.join('').slice(0, 2000)}`);
      if (Date.now() >= deadline) throw new Error(`${this.label}: only ${this.progress} of ${n} publishes done within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}

/** Starts a peer process on `host` and its peer (bounded). */
export async function startLabPeer(lab: Lab, host: LabHost, label: string, options: Record<string, unknown>): Promise<LabPeer> {
  const p = new LabPeer(lab, host, label);
  await p.waitEvent((e) => e.event === 'alive', 15_000, 'child start');
  await p.call('start', { options: { name: label, interface: host.address, ttl: 1, ...options } }, 20_000);
  return p;
}

/** Kills every given peer and waits (bounded) for them to exit. */
export async function stopAll(peers: readonly (LabPeer | undefined)[]): Promise<void> {
  const live = peers.filter((p): p is LabPeer => p !== undefined);
  for (const p of live) p.kill();
  await within(5_000, 'lab peers exit', Promise.all(live.map((p) => p.exited))).catch(() => undefined);
}

/**
 * Sequences of `gaps` not covered by any data-loss event of the same stream: a silent gap.
 * Returns the uncovered ranges.
 */
export function uncoveredGaps(s: StreamSummary, losses: readonly DataLoss[]): [number, number][] {
  const mine = losses.filter((l) => l.sender === s.sender && l.subject === s.subject);
  const out: [number, number][] = [];
  for (const [from, to] of s.gaps) {
    let q = from;
    while (q <= to) {
      const cover = mine.find((l) => l.fromSeq <= q && q <= l.toSeq);
      if (cover) {
        q = cover.toSeq + 1;
        continue;
      }
      let end = q;
      while (end + 1 <= to && !mine.some((l) => l.fromSeq <= end + 1 && end + 1 <= l.toSeq)) end++;
      out.push([q, end]);
      q = end + 1;
    }
  }
  return out;
}

/** Picks the counters a report wants from `peer.stats()`. */
export function pickStats(stats: any): Record<string, unknown> {
  const r = stats?.actors?.receiver ?? {};
  const t = stats?.actors?.retransmit ?? {};
  const s = stats?.actors?.socket ?? {};
  return {
    delivered: stats?.app?.delivered,
    naksSent: r.naksSent,
    nakSeqsRequested: r.nakSeqsRequested,
    nakSeqsRetried: r.nakSeqsRetried,
    gapSeqsOpened: r.gapSeqsOpened,
    gapSeqsFilledBeforeNak: r.gapSeqsFilledBeforeNak,
    ownDrops: (r.beyondWindowDrops ?? 0) + (r.bufferFullDrops ?? 0),
    dataLossMessages: r.dataLossMessages,
    duplicatesAtReceiver: r.duplicates,
    oldMessages: r.oldMessages,
    retransmitFramesSent: t.retransmitFramesSent,
    retransmitNaksSent: t.naksSent,
    datagramsSent: s.datagramsSent,
    datagramsReceived: s.datagramsReceived,
    dataDatagramsSent: s.dataDatagramsSent,
    forwardedData: s.forwarded?.data,
    forwardedRetransmit: s.forwarded?.retransmit,
    socketBackpressureDrops: s.dropped?.backpressure,
  };
}
