/**
 * The shape of `peer.stats()`: the application side's counters and each actor's, as the actors
 * report them (`stats()` of each actor shell). Counters only grow; gauges (sizes, lengths) are
 * values now. The field comments live on the counter interfaces of each actor.
 */
import type { SystemStats } from '../../runtime/actor-system.js';
import type { MailboxCounters } from '../../runtime/mailbox.js';
import type { SocketActorCounters } from '../socket/socket-actor.js';
import type { UdpCounters } from '../socket/udp-endpoint.js';
import type { AddressValidatorCounters } from '../socket/address-validator.js';
import type { SenderActorCounters } from '../sender/sender-actor.js';
import type { FlowActorCounters } from '../flow/flow-actor.js';
import type { FlowControlCounters } from '../flow/flow-control.js';
import type { SenderWindowCounters } from '../sender/sender-window.js';
import type { HeartbeatSchedulerCounters } from '../sender/heartbeat-scheduler.js';
import type { RetransmitActorCounters } from '../retransmit/retransmit-actor.js';
import type { RetransmitPlannerCounters } from '../retransmit/retransmit-planner.js';
import type { ReceiverCounters } from '../receiver/receiver-counters.js';
import type { SubjectsActorCounters } from '../subjects/subjects-actor.js';
import type { ReceiversActorCounters } from '../membership/receivers-actor-counters.js';
import type { ReceiverListCounters } from '../membership/receiver-list-types.js';
import type { LedgerActorCounters } from '../ledger/ledger-actor.js';
import type { LedgerCounters } from '../../storage/ledger-counters.js';

/** Every actor's mailbox: its counters and the messages waiting now (`length`). */
export type MailboxStats = Readonly<MailboxCounters> & { readonly length: number };

/** One actor's counters plus its mailbox's. */
export type ActorStats<C> = Readonly<C> & { readonly mailbox: MailboxStats };

/** The socket actor: UDP counters, inbound drops by reason, frames forwarded by kind. */
export type SocketStats = UdpCounters &
  SocketActorCounters & {
    readonly unicastGuard: AddressValidatorCounters & { readonly addresses: number };
    readonly joinedGroups: readonly string[];
    readonly knownPeers: number;
    readonly unicastPort: number;
  };

/** The sender actor: sequencing, hand-over, waits for credit, rate or ledger. */
export type SenderStats = SenderActorCounters & {
  /** Streams (subjects) this peer has published on. */
  readonly streams: number;
  /** With a ledger: batches waiting for the ledger to open, and messages waiting for its mailbox. */
  readonly ledger?: { readonly waitingForResume: number; readonly backlog: number };
};

/** The flow actor: credit per stream from the receivers' positions. */
export type FlowStats = FlowActorCounters & { readonly subjects: number; readonly receivers: number; readonly core: FlowControlCounters };

/** The retransmit actor: NAK service, the window of sent messages, heartbeats, reliable channels. */
export type RetransmitStats = RetransmitActorCounters & {
  readonly remotes: number;
  readonly channels: Readonly<Record<'inFlight' | 'acked' | 'gaveUp' | 'duplicatesIn' | 'invalidIn' | 'invalidAcks', number>>;
  readonly window: SenderWindowCounters;
  readonly planner: RetransmitPlannerCounters;
  readonly heartbeats: HeartbeatSchedulerCounters;
};

/** The receiver actor: delivery, gaps and NAKs, data loss, buffers. */
export type ReceiverStats = ReceiverCounters & {
  readonly datagrams: number;
  readonly naksHeld: number;
  readonly byeStreams: number;
  readonly departuresPending: number;
  /** Datagrams dropped by reason. */
  readonly dropped: Readonly<Record<string, number>>;
  readonly streams: number;
  readonly unadvertisedHolding: number;
  readonly unlistedStreams: number;
  readonly bufferedMessages: number;
  readonly bufferedBytes: number;
  readonly peakBufferedMessages: number;
  readonly peakBufferedBytes: number;
};

/** The subjects actor: local subscriptions and the groups they need. */
export type SubjectsStats = SubjectsActorCounters & { readonly activeSubscriptions: number; readonly patterns: number; readonly groups: readonly string[] };

/** The receivers actor: the list of known peers (adverts, BYEs, expiry). */
export type ReceiversStats = ReceiverListCounters & ReceiversActorCounters & { readonly peers: number; readonly unicastTargets: number };

/** The ledger actor (with `options.ledger`): appends, serves, recovery, the store. */
export type LedgerStats = LedgerActorCounters & {
  readonly durability: string;
  readonly incarnation: number;
  readonly seqFloor: number;
  readonly openMs: number;
  readonly recovery: {
    readonly created: boolean;
    readonly freshAfterDamage: boolean;
    readonly uncleanShutdown: boolean;
    readonly lockTakenOver: boolean;
    readonly streamsRaised: number;
    readonly verifyMs: number;
    readonly scanMs: number;
    readonly damagedMovedTo?: string;
  };
  readonly streams: number;
  readonly messages: number;
  readonly bytes: number;
  readonly fileBytes: number;
  readonly durablePositions: number;
  readonly store: LedgerCounters;
};

/** Every actor's stats, by actor name (`ledger` only with `options.ledger`). */
export interface PeerActorsStats {
  readonly socket: ActorStats<SocketStats>;
  readonly subjects: ActorStats<SubjectsStats>;
  readonly receivers: ActorStats<ReceiversStats>;
  readonly flow: ActorStats<FlowStats>;
  readonly sender: ActorStats<SenderStats>;
  readonly retransmit: ActorStats<RetransmitStats>;
  readonly receiver: ActorStats<ReceiverStats>;
  readonly ledger?: ActorStats<LedgerStats>;
}

/** The application side's counters (this thread). */
export interface AppStats {
  /** Publishes accepted since the peer started. */
  readonly published: number;
  /** Publishes handed over and not yet accepted by the sender. */
  readonly pendingPublishes: number;
  /** Messages (from other peers) that matched at least one subscription. */
  readonly delivered: number;
  /** Own publishes delivered to own subscriptions (`echo`). */
  readonly echoed: number;
  /** Subscriptions open now. */
  readonly subscriptions: number;
  /** `'dataLoss'` events emitted. */
  readonly dataLossEvents: number;
  /** Messages dropped for a subscription whose queue was full. */
  readonly subscriptionOverflows: number;
  /** Durable subscriptions open now. */
  readonly durableSubscriptions: number;
  /** Messages delivered to durable subscriptions and not confirmed yet. */
  readonly unconfirmed: number;
  /**
   * Messages durable subscriptions took and hold until the ledger committed their handed mark
   * (so that, if handed and the process dies, they come again with `redelivered` set).
   */
  readonly awaitingMark: number;
  /** Messages that waited so since the peer started. */
  readonly heldForMark: number;
  /** Streams whose reported position a durable subscription's backlog holds now (`durablePaceMessages`). */
  readonly pacedStreams: number;
  /** Times a stream's reported position began to be held so. */
  readonly pacings: number;
  /** Durable positions sent to the ledger. */
  readonly confirmations: number;
  /** Requests that failed fast with `NoRespondersError`. */
  readonly noResponders: number;
  /**
   * Messages from other zones (published by a zone bridge) not delivered because this peer had
   * delivered them already, recognised by their origin seq: a bridge restarted or taken over and
   * published again what it had not confirmed (docs/ZONES.md).
   */
  readonly originDuplicates: number;
}

/** What `peer.stats()` resolves with. */
export interface PeerStats {
  readonly name: string;
  readonly incarnation: number;
  /** Where each actor runs: actor name → thread name. */
  readonly topology: Readonly<Record<string, string>>;
  readonly app: AppStats;
  readonly actors: PeerActorsStats;
}

/** Every actor's counters (from every thread, each actor's own `stats()` and its mailbox's), by actor name. */
export function actorsStats(system: SystemStats): PeerActorsStats {
  const actors: Record<string, Record<string, unknown>> = {};
  for (const thread of Object.values(system.threads)) {
    for (const [name, a] of Object.entries(thread.actors)) actors[name] = { ...(a.actor ?? {}), mailbox: a.mailbox };
  }
  // Shaped as PeerActorsStats by each actor's stats() (test/e2e/api.test.ts checks a sample).
  return actors as unknown as PeerActorsStats;
}
