/**
 * The figures an operator watches, read out of `peer.stats()` into one flat record: what the
 * Prometheus metrics ({@link ./metrics.ts}) and the monitor page ({@link ./monitor-server.ts})
 * both show. Pure: a stats object in, numbers out; a counter missing from the stats (an actor
 * this peer does not run) reads as 0.
 */
import type { PeerStats } from '../actors/app/peer-stats.js';

/** Reasons a peer leaves (`peerLeft`'s `reason`), as counted by the receivers actor. */
export const PEER_LEFT_REASONS = ['bye', 'expired', 'restarted'] as const;

/** One reading of a peer's counters (cumulative since start) and gauges (now). */
export interface PeerFigures {
  /** Messages this peer published (counter). */
  readonly published: number;
  /** Messages delivered to this peer's subscriptions (counter). */
  readonly delivered: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly datagramsSent: number;
  readonly datagramsReceived: number;
  /** NAK frames this peer sent as a receiver (counter). */
  readonly naksSent: number;
  /** Messages those NAKs asked for (counter). */
  readonly nakMessagesRequested: number;
  /** NAKs this peer received as a sender (counter). */
  readonly naksReceived: number;
  /** Retransmissions sent by unicast and by multicast (counters). */
  readonly retransmitsUnicast: number;
  readonly retransmitsMulticast: number;
  /** Messages resent in those retransmissions (counter). */
  readonly messagesRetransmitted: number;
  /** Data-loss events given to the application, and the messages they cover (counters). */
  readonly dataLossEvents: number;
  readonly dataLossMessages: number;
  /** Of those messages, numbers a restarted sender skipped, never heard of here (`dataLoss` `skipped`: most carried none; counter). */
  readonly dataLossSkipped: number;
  /** Slow-consumer events (a receiver stalled and no longer paced, counter). */
  readonly slowConsumerEvents: number;
  /** Publishes that waited for credit (flow window) or for the rate limit (counters). */
  readonly blockedByCredit: number;
  readonly blockedByRate: number;
  readonly heartbeatsSent: number;
  readonly peersJoined: number;
  /** Peers that left, by reason (counters). */
  readonly peersLeft: Readonly<Record<(typeof PEER_LEFT_REASONS)[number], number>>;
  /** Datagrams the socket dropped, by reason (counters; `ownFrame` is our own multicast looped back). */
  readonly socketDropped: Readonly<Record<string, number>>;
  /** Datagrams refused by the domain seal, by reason (counters; only with `security`). */
  readonly socketRefused: Readonly<Record<string, number>>;
  /** Peers known now (gauge). */
  readonly peers: number;
  /** Streams this peer sends (gauge). */
  readonly streamsOut: number;
  /** Streams this peer receives (gauge). */
  readonly streamsIn: number;
  readonly subscriptions: number;
  readonly pendingPublishes: number;
  /** Sender window: messages and bytes kept to serve NAKs (gauges). */
  readonly windowMessages: number;
  readonly windowBytes: number;
  /** Messages held out of order by the receiver (gauge). */
  readonly bufferedMessages: number;
  /** Receivers excluded from the pace as stalled (gauge). */
  readonly stalledReceivers: number;
  /** Durable messages delivered and not yet confirmed (gauge). */
  readonly unconfirmed: number;
  /** Durable messages waiting for their handed mark to be committed before they are handed (gauge). */
  readonly awaitingMark: number;
  /** Messages from other zones dropped as already delivered (a bridge published them again; counter). */
  readonly originDuplicates: number;
}

/** Reads the figures out of `stats`. */
export function figuresOf(stats: PeerStats): PeerFigures {
  const s = stats as unknown;
  const n = (...path: string[]): number => numberAt(s, path);
  return {
    published: n('app', 'published'),
    delivered: n('app', 'delivered'),
    bytesSent: n('actors', 'socket', 'bytesSent'),
    bytesReceived: n('actors', 'socket', 'bytesReceived'),
    datagramsSent: n('actors', 'socket', 'datagramsSent'),
    datagramsReceived: n('actors', 'socket', 'datagramsReceived'),
    naksSent: n('actors', 'receiver', 'naksSent'),
    nakMessagesRequested: n('actors', 'receiver', 'nakSeqsRequested'),
    naksReceived: n('actors', 'retransmit', 'planner', 'naksReceived'),
    retransmitsUnicast: n('actors', 'retransmit', 'planner', 'retransmitsUnicast'),
    retransmitsMulticast: n('actors', 'retransmit', 'planner', 'retransmitsMulticast'),
    messagesRetransmitted: n('actors', 'retransmit', 'planner', 'messagesResent'),
    dataLossEvents: n('app', 'dataLossEvents'),
    dataLossMessages: n('actors', 'receiver', 'dataLossMessages'),
    dataLossSkipped: n('actors', 'receiver', 'dataLossSkipped'),
    slowConsumerEvents: n('actors', 'flow', 'core', 'slowConsumerEvents'),
    blockedByCredit: n('actors', 'sender', 'blockedByCredit'),
    blockedByRate: n('actors', 'sender', 'blockedByRate'),
    heartbeatsSent: n('actors', 'retransmit', 'heartbeatFramesSent'),
    peersJoined: n('actors', 'receivers', 'peersJoined'),
    peersLeft: {
      bye: n('actors', 'receivers', 'peersLeftBye'),
      expired: n('actors', 'receivers', 'peersExpired'),
      restarted: n('actors', 'receivers', 'peersRestarted'),
    },
    socketDropped: countersAt(s, ['actors', 'socket', 'dropped']),
    socketRefused: countersAt(s, ['actors', 'socket', 'refused']),
    peers: n('actors', 'receivers', 'peers'),
    streamsOut: n('actors', 'sender', 'streams'),
    streamsIn: n('actors', 'receiver', 'streams'),
    subscriptions: n('app', 'subscriptions'),
    pendingPublishes: n('app', 'pendingPublishes'),
    windowMessages: n('actors', 'retransmit', 'window', 'messages'),
    windowBytes: n('actors', 'retransmit', 'window', 'bytes'),
    bufferedMessages: n('actors', 'receiver', 'bufferedMessages'),
    stalledReceivers: n('actors', 'flow', 'core', 'stalledReceivers'),
    unconfirmed: n('app', 'unconfirmed'),
    awaitingMark: n('app', 'awaitingMark'),
    originDuplicates: n('app', 'originDuplicates'),
  };
}

function valueAt(obj: unknown, path: readonly string[]): unknown {
  let v = obj;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function numberAt(obj: unknown, path: readonly string[]): number {
  const v = valueAt(obj, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** The numeric entries of a counters record (`{ badMagic: 0, … }`), others left out. */
function countersAt(obj: unknown, path: readonly string[]): Record<string, number> {
  const v = valueAt(obj, path);
  const out: Record<string, number> = {};
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return out;
}
