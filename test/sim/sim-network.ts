/**
 * A simulated datagram network for the protocol simulator: per-link loss, duplication,
 * delay with jitter (which reorders), temporary partitions and multicast blackouts, all drawn
 * from one seeded PRNG so a run replays exactly. A frame is sent either to the group
 * (`multicast`: every attached peer but the sender) or to one peer (`unicast` by name, or
 * `unicastTo` the unicast address a peer was attached with: the shell simulator's sockets).
 */
import type { Rng } from '../../actors/core.js';
import type { EventQueue } from './event-queue.js';

export interface LinkConditions {
  /** Probability that a datagram is dropped, 0..1. */
  lossRate: number;
  /** Probability that a delivered datagram is delivered twice. */
  duplicateRate: number;
  /** Base one-way delay. */
  delayMs: number;
  /** Uniform extra delay in [0, jitterMs): datagrams overtake each other. */
  jitterMs: number;
}

export interface Partition {
  /** The peers cut off from everyone else while the partition lasts. */
  isolated: readonly string[];
  fromMs: number;
  toMs: number;
}

/**
 * Peers that cannot hear the group while it lasts (e.g. multicast not yet routed to them):
 * frames sent to the group are dropped for them, frames sent to them alone still arrive, and
 * what they send is heard as usual.
 */
export interface MulticastBlackout {
  deaf: readonly string[];
  fromMs: number;
  toMs: number;
}

export type DatagramHandler = (bytes: Uint8Array, from: string, via: 'multicast' | 'unicast') => void;

export interface NetworkCounters {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  partitioned: number;
  /** Frames to the group dropped for a peer in a multicast blackout. */
  blackedOut: number;
  bytes: number;
  /** Frames sent to an address no attached peer listens on (not counted in `sent`). */
  unroutable: number;
}

/** A unicast listener's address on the simulated network. */
export interface SimAddress {
  readonly host: string;
  readonly port: number;
}

export class SimNetwork {
  /**
   * A running FNV-1a hash over every datagram handed to a peer (time, sender, receiver, path,
   * bytes): two runs of one seed must end with the same value (the replay test).
   */
  traceHash = 0x811c9dc5;
  readonly counters: NetworkCounters = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, partitioned: 0, blackedOut: 0, bytes: 0, unroutable: 0 };
  private readonly nodes = new Map<string, DatagramHandler>();
  /** `host:port` → peer name, and back, for peers attached with an address. */
  private readonly nameAt = new Map<string, string>();
  private readonly addressOfName = new Map<string, SimAddress>();
  private readonly linkOverrides = new Map<string, LinkConditions>();

  constructor(
    private readonly queue: EventQueue,
    private readonly rng: Rng,
    private readonly now: () => number,
    private readonly defaults: LinkConditions,
    private readonly partitions: readonly Partition[] = [],
    private readonly blackouts: readonly MulticastBlackout[] = [],
  ) {}

  /** Attaches a peer; with `address`, frames sent to that address (`unicastTo`) reach it too. */
  attach(name: string, handler: DatagramHandler, address?: SimAddress): void {
    this.nodes.set(name, handler);
    if (address !== undefined) {
      this.nameAt.set(`${address.host}:${address.port}`, name);
      this.addressOfName.set(name, address);
    }
  }

  detach(name: string): void {
    this.nodes.delete(name);
    const address = this.addressOfName.get(name);
    if (address !== undefined) this.nameAt.delete(`${address.host}:${address.port}`);
    this.addressOfName.delete(name);
  }

  /** The address `name` was attached with. */
  addressOf(name: string): SimAddress | undefined {
    return this.addressOfName.get(name);
  }

  /** Conditions for datagrams from `from` to `to` (e.g. one receiver behind a lossy link). */
  setLink(from: string, to: string, conditions: LinkConditions): void {
    this.linkOverrides.set(`${from}>${to}`, conditions);
  }

  multicast(from: string, bytes: Uint8Array): void {
    for (const to of this.nodes.keys()) if (to !== from) this.transmit(from, to, bytes, 'multicast');
  }

  unicast(from: string, to: string, bytes: Uint8Array): void {
    if (this.nodes.has(to)) this.transmit(from, to, bytes, 'unicast');
  }

  /** Sends to whichever peer listens on `host:port`; a frame to an unknown address is counted and lost. */
  unicastTo(from: string, host: string, port: number, bytes: Uint8Array): void {
    const to = this.nameAt.get(`${host}:${port}`);
    if (to === undefined || !this.nodes.has(to)) this.counters.unroutable++;
    else this.transmit(from, to, bytes, 'unicast');
  }

  private transmit(from: string, to: string, bytes: Uint8Array, via: 'multicast' | 'unicast'): void {
    this.counters.sent++;
    this.counters.bytes += bytes.byteLength;
    const link = this.linkOverrides.get(`${from}>${to}`) ?? this.defaults;
    if (this.isPartitioned(from, to)) {
      this.counters.partitioned++;
      return;
    }
    if (via === 'multicast' && this.isDeaf(to)) {
      this.counters.blackedOut++;
      return;
    }
    if (this.rng() < link.lossRate) {
      this.counters.dropped++;
      return;
    }
    // A datagram is immutable once sent: copy so a sender reusing its buffer cannot change it.
    const copy = bytes.slice();
    const copies = this.rng() < link.duplicateRate ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    for (let i = 0; i < copies; i++) {
      const at = this.now() + link.delayMs + this.rng() * link.jitterMs;
      this.queue.push(at, () => {
        const handler = this.nodes.get(to);
        if (!handler || this.isPartitioned(from, to) || (via === 'multicast' && this.isDeaf(to))) return;
        this.counters.delivered++;
        this.trace(`${this.now()} ${from}>${to} ${via}`, copy);
        handler(copy, from, via);
      });
    }
  }

  private trace(head: string, bytes: Uint8Array): void {
    let h = this.traceHash;
    for (let i = 0; i < head.length; i++) h = Math.imul(h ^ head.charCodeAt(i), 0x01000193);
    for (let i = 0; i < bytes.byteLength; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    this.traceHash = h >>> 0;
  }

  /** Whether `peer` cannot hear the group now. */
  private isDeaf(peer: string): boolean {
    const t = this.now();
    return this.blackouts.some((b) => t >= b.fromMs && t < b.toMs && b.deaf.includes(peer));
  }

  private isPartitioned(a: string, b: string): boolean {
    const t = this.now();
    for (const p of this.partitions) {
      if (t < p.fromMs || t >= p.toMs) continue;
      if (p.isolated.includes(a) !== p.isolated.includes(b)) return true;
    }
    return false;
  }
}
