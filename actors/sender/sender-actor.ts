/**
 * The sender actor's shell (`'sender'`): sequences, fragments and paces what the application
 * publishes, and hands it to the socket (DATA), the retransmit actor (window) and the flow
 * actor (positions of our streams). The work is done by parts it owns:
 * - `BatchSequencer` (batch-sequencer.ts): validates, fragments and numbers each batch;
 * - `DataDatagrams` (data-datagrams.ts): encodes the DATA datagrams, once, and hands them to
 *   the socket and the window (datagram memory reused from slabs);
 * - `LedgerOutbox` (ledger-outbox.ts): each sequenced batch to the ledger, in order, never dropped.
 *
 * Per message: read the clock once, run the cores, then flush: the DATA datagrams of each
 * destination set, encoded here, once (one `datagramsOut` per destination set and 256 KiB), one
 * `sent` to `'retransmit'`, one `sentUpTo` per subject to `'flow'`, then the `accepted` events of
 * the batches handed over, in `published` order. A batch published with `echo` gets the seq of
 * each of its messages in its `accepted` (the application delivers them to its own subscriptions).
 *
 * Ordering: a batch is validated whole and sequenced at once (so a refused batch uses no seq);
 * its messages then leave strictly in order, across subjects. The head message waits for
 * credit (the flow actor's `credit`; none yet = 1/16 of a window from the stream's start) and for the rate limit
 * (a {@link TokenBucket}), and everything behind
 * it waits too. It is retried on `credit` and at the rate deadline (the actor's one timer).
 *
 * Bounds: queued (sequenced, not yet sent) messages stay within `windowMaxMessages` and
 * `windowMaxBytes` of the sender options; a batch that would pass them is held, in order, and
 * sequenced as room frees (`held`; the application's `maxPendingPublishes` bounds them). A batch
 * refused for another reason (too many streams, a ledger failure) is reported as an `error`
 * event whose `details.batchId` names it (no `accepted` for it); nothing is thrown out of
 * `receive`.
 *
 * With a ledger (`config.ledger`): publishes wait until the ledger's `resumed` (numbering
 * continues from it); each sequenced batch goes to the ledger (`sequenced`) before anything of
 * it goes on the wire, and the head message also waits for the {@link LedgerGate} (`'sync'`:
 * until `committed` covers it; `'async'`: while it is `maxUnflushedPerStream` ahead of it).
 */
import type { StreamStart } from '../../codecs/frame.js';
import { deserializeError, PeerClosedError, serializeError } from '../../errors.js';
import type { Actor, ActorContext } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import type { AppEvent } from '../app/events.js';
import type { PeerConfig } from '../app/peer-config.js';
import { assertNever } from '../core.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { Destination, SocketInbox } from '../socket/messages.js';
import { GroupMap } from '../subjects/group-map.js';
import { RouteTable } from '../subjects/route-table.js';
import { TokenBucket } from './token-bucket.js';
import { CreditWindow } from './credit-window.js';
import { ResumedParts } from '../ledger/resumed-parts.js';
import type { PublishItem, SenderInbox, UnicastTarget } from './messages.js';
import type { FlowInbox } from '../flow/messages.js';
import type { CommittedStream, LedgerInbox, ResumedStream, SequencedMessage } from '../ledger/messages.js';
import { LedgerGate } from '../ledger/ledger-gate.js';
import type { SerializedError } from '../../errors.js';
import { RingDeque } from './ring-deque.js';
import { unpackPublishItems } from './publish-batch.js';
import { SequenceGenerator } from './sequence-generator.js';
import { BatchSequencer, type Unit } from './batch-sequencer.js';
import { DataDatagrams } from './data-datagrams.js';
import { LedgerOutbox } from './ledger-outbox.js';
// Data-path messages cross threads in their own byte layout (registers the packers).
import '../thread-packers.js';

/** What the sender counts (`stats()`). */
export interface SenderActorCounters {
  /** Application messages sequenced. */
  published: number;
  /** Wire records handed to the socket (each fragment of a message counts once). */
  fragments: number;
  /** `datagramsOut` messages sent to the socket (DATA datagrams built here). */
  dataOuts: number;
  /** Batches accepted (`accepted` events). */
  batchesAccepted: number;
  /** Batches refused (`error` events with `details.batchId`). */
  batchesRefused: number;
  /** Times a batch had to wait for room in the queue (`windowMaxMessages`/`windowMaxBytes`) before it was sequenced. */
  batchesHeld: number;
  /** Times the head message started waiting for credit. */
  blockedByCredit: number;
  /** Times the head message started waiting for the rate limit. */
  blockedByRate: number;
  /** Application messages sequenced and waiting now (a fragmented message counts once). */
  queued: number;
  /** Their payload bytes. */
  queuedBytes: number;
  /** Messages sent with no destination (multicast off and no unicast target wants them). */
  unrouted: number;
  /** Sends refused by a full mailbox (dropped, as the network could). */
  mailboxFull: number;
  /** Unicast-target patterns ignored because they are not valid patterns. */
  invalidTargetPatterns: number;
  /** Times the head message started waiting for the ledger (commit, or the async flush bound). */
  blockedByLedger: number;
  /** Times the head message started waiting because the flow actor held all streams (too much unconfirmed for the window). */
  blockedByWindow: number;
}


/** Streams per `unsent` message to the retransmit actor (subjects of at most 255 bytes: far below a ring record). */
const UNSENT_SLICE = 1024;

/** Builds the sender actor. */
export function createActor(config: PeerConfig, ctx: ActorContext): Actor<SenderInbox> {
  const o = config.sender;
  const counters: SenderActorCounters = {
    published: 0,
    fragments: 0,
    dataOuts: 0,
    batchesAccepted: 0,
    batchesRefused: 0,
    batchesHeld: 0,
    blockedByCredit: 0,
    blockedByRate: 0,
    blockedByWindow: 0,
    queued: 0,
    queuedBytes: 0,
    unrouted: 0,
    mailboxFull: 0,
    invalidTargetPatterns: 0,
    blockedByLedger: 0,
  };
  const ledger = config.ledger;
  // With a ledger, numbering is known only once it has opened (`resumed`).
  let sequences: SequenceGenerator = ledger === undefined ? new SequenceGenerator(undefined, o) : (undefined as unknown as SequenceGenerator);
  const gate = ledger === undefined ? undefined : new LedgerGate(ledger.store.durability, ledger.store.maxUnflushedPerStream);
  /** Batches waiting for room in the queue (`windowMaxMessages`/`windowMaxBytes`), in order. */
  const held: { readonly batchId: number; readonly items: readonly PublishItem[]; readonly echo: boolean }[] = [];
  /** Publishes that arrived before the ledger's `resumed` (bounded by the application's `maxPendingPublishes`). */
  let early: { readonly batchId: number; readonly items: readonly PublishItem[]; readonly echo: boolean }[] | undefined = ledger === undefined ? undefined : [];
  const ledgerOut = new LedgerOutbox(counters);
  let ledgerFailure: Error | undefined;
  /** Where each subject's DATA goes (the retransmit actor keeps the same table for its frames). */
  const routes = new RouteTable(new GroupMap(config.groupMap), config.socket.multicast);
  const rate = new TokenBucket(o.rateBytesPerSec, o.burstBytes);
  const credit = new CreditWindow(o);
  /**
   * By stream index (the sequence generator's `idOf`; -1: not yet): when each stream's first
   * message of this incarnation went out, in whole ms (its age goes in DATA, so a receiver that
   * hears of it late knows whether it was subscribed before it began). Bounded like the sequence
   * generator (`maxStreams`). An array of small integers: no map entry or boxed number per stream.
   */
  const firstSentMs: number[] = [];
  /** The DATA entries' `resumed` part of streams the ledger resumed. */
  const resumedParts = new ResumedParts();
  const sequencer = new BatchSequencer(o, config.maxDatagramBytes, config.self.name);
  const queue = new RingDeque<Unit>();
  const datagrams = new DataDatagrams(config.self, config.maxDatagramBytes, ctx.thread, counters);
  /** Why the head waits: the seq reported to the flow actor, or the rate limit. */
  let blockedOn:
    | { readonly kind: 'credit'; readonly subject: string; readonly seq: number }
    | { readonly kind: 'rate' }
    | { readonly kind: 'ledger' }
    | { readonly kind: 'window' }
    | undefined;
  /** Set by the flow actor (`hold`): more is unconfirmed than the retransmission window may hold; no new data goes. */
  let windowHeld = false;
  let draining = false;
  /** Handed over during the current message, flushed at its end. */
  let outgoing: Unit[] = [];
  let acceptedDue: number[] = [];
  /** The seqs of batches published with `echo`, until their `accepted` carries them. */
  const echoSeqs = new Map<number, number[]>();
  let flow: ActorRef<FlowInbox>;
  let retransmit: ActorRef<RetransmitInbox>;

  function post<T>(ref: ActorRef<T>, msg: T): void {
    if (!ref.trySend(msg)) counters.mailboxFull++;
  }

  function emit(event: AppEvent): void {
    ctx.emit(event);
  }

  function refuse(batchId: number, err: unknown): void {
    counters.batchesRefused++;
    echoSeqs.delete(batchId);
    const e = serializeError(err);
    emit({ kind: 'error', error: { ...e, details: { ...e.details, batchId } } });
  }

  /** Hands over queued units, in order, while credit and rate allow; batches waiting for room join the queue as it empties. */
  function pump(now: number): void {
    do pumpQueue(now);
    while (held.length > 0 && admitHeld(now));
  }

  function pumpQueue(now: number): void {
    for (let u = queue.first(); u !== undefined; u = queue.first()) {
      const n = u.seq === 0 ? 0 : 1;
      if (n > 0) {
        if (windowHeld) {
          if (blockedOn?.kind !== 'window') counters.blockedByWindow++;
          blockedOn = { kind: 'window' };
          return;
        }
        // Every record of the unit (its fragments) carries the message's one seq.
        const needed = u.seq;
        // Before the flow actor's first credit, a stream may send one window: a burst the
        // receivers' socket buffers can hold, never an unbounded one.
        const limit = credit.limit(u.subject, sequences.idOf(u.subject) as number, sequences.startSeq(u.subject), u.payload.byteLength);
        if (needed > limit) {
          if (blockedOn?.kind !== 'credit' || blockedOn.subject !== u.subject || blockedOn.seq !== needed) {
            counters.blockedByCredit++;
            blockedOn = { kind: 'credit', subject: u.subject, seq: needed };
            post(flow, { kind: 'blocked', subject: u.subject, seq: needed });
          }
          return;
        }
        const last = needed;
        if (gate !== undefined && !gate.allows(u.subject, last)) {
          if (blockedOn?.kind !== 'ledger') counters.blockedByLedger++;
          blockedOn = { kind: 'ledger' };
          return;
        }
        if (rate.check(now, u.payload.byteLength) !== undefined) {
          if (blockedOn?.kind !== 'rate') counters.blockedByRate++;
          blockedOn = { kind: 'rate' };
          return;
        }
        rate.take(now, u.payload.byteLength);
        outgoing.push(u);
      }
      blockedOn = undefined;
      queue.shift();
      counters.queued -= n;
      counters.queuedBytes -= u.payload.byteLength;
      if (u.batchId !== undefined) acceptedDue.push(u.batchId);
    }
  }

  /**
   * Sends what the current message handed over: its DATA datagrams to the socket, the same
   * datagrams to the retransmit actor (its window keeps them as sent), positions to the flow
   * actor; then the `accepted` events.
   */
  function flush(): void {
    if (outgoing.length > 0) {
      const byRoute = new Map<string, { destinations: readonly Destination[]; units: Unit[]; records: number }>();
      const reports = new Map<string, { fromSeq: number; seq: number; bytes: number }>();
      // Runs of one subject (the common case) look their route and report up once.
      let lastSubject: string | undefined;
      let out!: { destinations: readonly Destination[]; units: Unit[]; records: number };
      let r!: { fromSeq: number; seq: number; bytes: number };
      for (let i = 0; i < outgoing.length; i++) {
        const u = outgoing[i];
        if (u.subject !== lastSubject) {
          lastSubject = u.subject;
          const route = routes.routeOf(u.subject);
          const known = byRoute.get(route.key);
          if (known === undefined) byRoute.set(route.key, (out = { destinations: route.destinations, units: [], records: 0 }));
          else out = known;
          const report = reports.get(u.subject);
          if (report === undefined) reports.set(u.subject, (r = { fromSeq: u.seq, seq: u.seq, bytes: 0 }));
          else r = report;
        }
        out.units.push(u);
        out.records += u.fragments === undefined ? 1 : u.fragments.length;
        r.seq = u.seq;
        r.bytes += u.payload.byteLength;
      }
      outgoing = [];
      const now = ctx.clock();
      // Each stream's DATA entry (first seq, age), made once per flush.
      const starts = new Map<string, StreamStart>();
      const entryOf = (subject: string): StreamStart => {
        let st = starts.get(subject);
        if (st === undefined) {
          const id = sequences.idOf(subject) as number;
          while (firstSentMs.length <= id) firstSentMs.push(-1);
          let first = firstSentMs[id];
          if (first < 0) firstSentMs[id] = first = Math.floor(now);
          // Whole ms (the wire's unit): an integer, not a float V8 would box once per record added.
          const startSeq = sequences.startSeq(subject);
          const ageMs = Math.floor(now - first);
          const resumed = resumedParts.partOf(now, subject, startSeq);
          starts.set(subject, (st = resumed === undefined ? { subject, startSeq, ageMs } : { subject, startSeq, ageMs, resumed }));
        }
        return st;
      };
      const kept: Uint8Array[] = [];
      for (const out of byRoute.values()) {
        counters.fragments += out.records;
        // Unrouted messages are built all the same: the window serves them to a NAK.
        if (out.destinations.length === 0) counters.unrouted += out.records;
        datagrams.build(out.units, entryOf, out.destinations, kept);
      }
      datagrams.toWindow([...starts.values()], kept);
      for (const [subject, r] of reports) post(flow, { kind: 'sentUpTo', subject, ...r });
    }
    const due = acceptedDue;
    acceptedDue = [];
    for (const batchId of due) {
      counters.batchesAccepted++;
      const seqs = echoSeqs.size === 0 ? undefined : echoSeqs.get(batchId);
      if (seqs === undefined) emit({ kind: 'accepted', batchId });
      else {
        echoSeqs.delete(batchId);
        emit({ kind: 'accepted', batchId, seqs });
      }
    }
  }

  function armTimer(): void {
    const at = blockedOn?.kind === 'rate' ? rate.nextDeadlineMs() : undefined;
    if (at === undefined) ctx.clearTimer();
    else ctx.setTimer(at, onTimer);
  }

  function onTimer(): void {
    const now = ctx.clock();
    rate.onTimer(now);
    pump(now);
    flush();
    armTimer();
  }

  function onPublished(now: number, batchId: number, items: readonly PublishItem[], echo: boolean): void {
    if (early !== undefined) {
      early.push({ batchId, items, echo });
      return;
    }
    if (ledgerFailure !== undefined) {
      refuse(batchId, ledgerFailure);
      return;
    }
    if (draining) {
      refuse(batchId, new PeerClosedError(`batch ${batchId} was published while the sender is draining`));
      return;
    }
    // Behind batches waiting for room, or no room itself: it waits, in order. Its publishes stay
    // pending on the application side (`accepted` comes once sent), which is the backpressure.
    if (held.length > 0 || !admit(now, batchId, items, echo)) {
      if (held.length === 0) counters.batchesHeld++;
      held.push({ batchId, items, echo });
      return;
    }
    pump(now);
  }

  /** Sequences and queues a batch: false (nothing done) when the queue has no room for it yet. */
  function admit(now: number, batchId: number, items: readonly PublishItem[], echo: boolean): boolean {
    const toLedger: SequencedMessage[] | undefined = gate === undefined ? undefined : [];
    let units: Unit[] | undefined;
    try {
      units = sequencer.sequence(batchId, items, toLedger, sequences, counters.queued, counters.queuedBytes);
    } catch (err) {
      refuse(batchId, err);
      return true;
    }
    if (units === undefined) return false;
    counters.published += items.length;
    if (echo && items.length > 0) echoSeqs.set(batchId, units.map((u) => u.seq));
    for (let i = 0; i < units.length; i++) {
      const u = units[i];
      queue.push(u);
      if (u.seq !== 0) counters.queued++;
      counters.queuedBytes += u.payload.byteLength;
    }
    if (toLedger !== undefined) ledgerOut.sendSequenced(toLedger);
    return true;
  }

  /** Queues the batches waiting for room, in order, while there is room. */
  function admitHeld(now: number): boolean {
    let admitted = false;
    while (held.length > 0 && ledgerFailure === undefined) {
      const h = held[0];
      if (!admit(now, h.batchId, h.items, h.echo)) break;
      held.shift();
      admitted = true;
    }
    return admitted;
  }

  function onResumed(now: number, streams: readonly ResumedStream[], seqFloor: number): void {
    if (early === undefined) return; // resumed once only
    const highSeqs = Object.fromEntries(streams.map((s) => [s.subject, s.seq]));
    for (const s of streams) {
      if (s.held !== undefined) resumedParts.note(now, s.subject, s.held.seq, s.held.ageMs);
    }
    sequences = new SequenceGenerator(highSeqs, o, seqFloor);
    gate?.resume(highSeqs, seqFloor);
    const waiting = early;
    early = undefined;
    for (const p of waiting) onPublished(now, p.batchId, p.items, p.echo);
  }

  function onCommitted(now: number, streams: readonly CommittedStream[]): void {
    for (const s of streams) gate?.onCommitted(s.subject, s.seq);
    pump(now);
  }

  /** The ledger cannot write: whatever waits would never be committed, so it is refused. */
  function onLedgerFailed(error: SerializedError): void {
    ledgerFailure ??= deserializeError(error);
    for (let u = queue.shift(); u !== undefined; u = queue.shift()) {
      if (u.seq !== 0) counters.queued--;
      counters.queuedBytes -= u.payload.byteLength;
      if (u.batchId !== undefined) refuse(u.batchId, ledgerFailure);
    }
    blockedOn = undefined;
    for (const p of early ?? []) refuse(p.batchId, ledgerFailure);
    for (const p of held.splice(0)) refuse(p.batchId, ledgerFailure);
    if (early !== undefined) early = [];
  }

  /**
   * Tells the retransmit actor, as the peer starts closing, which streams still have numbered
   * messages waiting (for credit): the closing heartbeats and BYE name them as each stream's end,
   * so receivers report what never goes out instead of missing it in silence.
   */
  function reportUnsent(): void {
    const highs = new Map<string, number>();
    for (let i = 0; i < queue.length; i++) {
      const u = queue.at(i) as Unit;
      if (u.seq !== 0 && (highs.get(u.subject) ?? 0) < u.seq) highs.set(u.subject, u.seq);
    }
    if (highs.size === 0) return;
    const streams = [...highs].map(([subject, highSeq]) => ({ subject, startSeq: sequences.startSeq(subject), highSeq }));
    for (let i = 0; i < streams.length; i += UNSENT_SLICE) post(retransmit, { kind: 'unsent', streams: streams.slice(i, i + UNSENT_SLICE) });
  }

  function onCredit(now: number, subject: string, maxSeq: number): void {
    credit.onCredit(subject, sequences?.idOf(subject), maxSeq);
    pump(now);
  }

  function onUnicastTargets(list: readonly UnicastTarget[]): void {
    counters.invalidTargetPatterns += routes.setUnicastTargets(list);
  }

  return {
    name: ctx.name,
    start(c) {
      datagrams.start(c.ref<SocketInbox>('socket'), c.ref<RetransmitInbox>('retransmit'));
      flow = c.ref<FlowInbox>('flow');
      retransmit = c.ref<RetransmitInbox>('retransmit');
      if (ledger !== undefined) ledgerOut.connect(c.ref<LedgerInbox>('ledger'));
    },
    receive(msg) {
      const now = ctx.clock();
      switch (msg.kind) {
        case 'published':
          onPublished(now, msg.batchId, msg.items, msg.echo === true);
          break;
        case 'publishedPacked': {
          let items: PublishItem[];
          try {
            items = unpackPublishItems(msg.bytes);
          } catch (err) {
            refuse(msg.batchId, err);
            break;
          }
          onPublished(now, msg.batchId, items, msg.echo === true);
          break;
        }
        case 'credit':
          onCredit(now, msg.subject, msg.maxSeq);
          break;
        case 'hold':
          windowHeld = msg.on;
          if (!windowHeld) pump(now);
          break;
        case 'unicastTargets':
          onUnicastTargets(msg.targets);
          break;
        case 'draining':
          draining = true;
          pump(now);
          reportUnsent();
          break;
        case 'resumed':
          onResumed(now, msg.streams, msg.seqFloor);
          break;
        case 'committed':
          onCommitted(now, msg.streams);
          break;
        case 'ledgerFailed':
          onLedgerFailed(msg.error);
          break;
        case 'datagramsReleased':
          datagrams.released(msg.buffers);
          break;
        default:
          assertNever(msg);
      }
      flush();
      armTimer();
    },
    stop() {
      ctx.clearTimer();
    },
    stats: () => ({
      ...counters,
      streams: sequences?.size ?? 0,
      ...datagrams.stats(),
      heldBatches: held.length,
      ...(gate !== undefined ? { ledger: { waitingForResume: early?.length ?? 0, backlog: ledgerOut.waiting } } : {}),
    }),
  };
}
