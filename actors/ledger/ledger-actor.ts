/**
 * The ledger actor's shell (`'ledger'`): owns the peer's {@link LedgerStore} on its thread,
 * appends what the sender sequenced, reports commits back to the sender, answers the NAK ranges
 * the window could not serve, keeps durable positions, and runs age retention on its timer.
 *
 * `start` opens the store (a `LedgerError` from it rejects `createPeer`), then tells the
 * retransmit actor and the sender where every stream resumes, in that order (the retransmit
 * actor must know a resumed stream's start before the sender's first `sent` of it).
 *
 * Commit reports (`committed` to the sender): in `'sync'` mode once the appends of one commit
 * are committed and flushed, merged per microtask; in `'async'` mode once a flush completes,
 * with at most one flush watch in flight; none in `'none'` mode (the sender does not wait).
 * `'sync'` commits are grouped (group-commit.ts): the batches of the turn that starts a commit
 * go in it, and those sequenced while it is on its way to disk wait and go together in the next
 * one, so one flush covers many batches. `setImmediate` ends a commit's turn; `flushRequested`
 * is answered once nothing waits for a commit; `stop` stores what waits.
 *
 * A failed write makes the store unusable: the actor reports it once (`error` event and
 * `ledgerFailed` to the sender, which then refuses publishes) and answers what it still can.
 */
import type { PeerId, SeqRange } from '../../codecs/frame.js';
import { LedgerError, serializeError } from '../../errors.js';
import type { Actor, ActorContext } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { LedgerStore } from '../../storage/ledger-store.js';
import type { LedgerMessage } from '../../storage/sent-record.js';
import type { AppEvent } from '../app/events.js';
import type { PeerConfig } from '../app/peer-config.js';
import { assertNever } from '../core.js';
import type { ReceiverInbox } from '../receiver/messages.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { SenderInbox } from '../sender/messages.js';
import { PatternMatcher } from '../subjects/pattern-matcher.js';
import { GroupCommit } from './group-commit.js';
import { serveFromLedger, widenToSkip } from './ledger-serve.js';
import type { CommittedStream, DurablePosition, LedgerInbox, LedgerStreamInfo, ResumedStream, SequencedMessage, StreamResume } from './messages.js';

/** What the ledger actor counts (`stats()`), besides the store's own counters. */
export interface LedgerActorCounters {
  /** `sequenced` messages appended. */
  appends: number;
  /** `committed` reports sent to the sender. */
  commitReports: number;
  /** `serveRequested` answered. */
  serves: number;
  /** Messages read from the ledger for NAKs. */
  messagesServed: number;
  /** Sequences asked for that the ledger does not hold (reported unavailable). */
  seqsUnavailable: number;
  /** Sequences not read because one answer reached `retransmit.maxMessagesPerNak`. */
  seqsDeferred: number;
  /** Durable subscriptions opened, and positions handed to the receiver for them. */
  durablesOpened: number;
  positionsResumed: number;
  /** Durable positions written. */
  positionsConfirmed: number;
  /** Handed marks recorded (messages delivered to a durable subscription, not yet confirmed). */
  positionsHanded: number;
  retentionRuns: number;
  retentionDeleted: number;
  /** Sends refused by a full mailbox. */
  mailboxFull: number;
  failures: number;
}

/** Builds the ledger actor (only registered when `options.ledger` is given). */
export function createActor(config: PeerConfig, ctx: ActorContext): Actor<LedgerInbox> {
  const ledger = config.ledger;
  if (ledger === undefined) throw new LedgerError('the ledger actor needs options.ledger');
  const durability = ledger.store.durability;
  const counters: LedgerActorCounters = {
    appends: 0,
    commitReports: 0,
    serves: 0,
    messagesServed: 0,
    seqsUnavailable: 0,
    seqsDeferred: 0,
    durablesOpened: 0,
    positionsResumed: 0,
    positionsConfirmed: 0,
    positionsHanded: 0,
    retentionRuns: 0,
    retentionDeleted: 0,
    mailboxFull: 0,
    failures: 0,
  };
  let store: LedgerStore;
  let sender: ActorRef<SenderInbox>;
  let retransmit: ActorRef<RetransmitInbox>;
  let receiver: ActorRef<ReceiverInbox>;
  let failed: LedgerError | undefined;
  let stopped = false;
  /** The `lowSeq` last reported to the retransmit actor, per stream. */
  const reportedLow = new Map<string, number>();
  /** Where each stream resumed at this start (its first number this incarnation, less one): ledger-serve.ts `widenToSkip`. */
  const skipEnds = new Map<string, number>();
  /** Committed highs waiting to be reported to the sender (merged per microtask). */
  let toReport = new Map<string, number>();
  let reportScheduled = false;
  /** `'async'`: appended highs not yet covered by a flush watch, and whether one is in flight. */
  let unflushed = new Map<string, number>();
  let flushWatch = false;
  /** `'sync'`: batches wait here while a commit is in flight, and go together in the next one. */
  const group = new GroupCommit<readonly SequencedMessage[]>();
  /** The commit being gathered in this turn: its writes' promises, and its newest seq per stream. */
  let gathered: Promise<void>[] = [];
  let gatheredHighs = new Map<string, number>();
  let turnScheduled = false;
  /** `flushRequested` answers waiting for the group commit to go idle. */
  const idleWaiters: (() => void)[] = [];
  let openMs = 0;

  function post<T>(ref: ActorRef<T>, msg: T): void {
    if (!ref.trySend(msg)) counters.mailboxFull++;
  }

  function emit(event: AppEvent): void {
    ctx.emit(event);
  }

  function fail(err: unknown): void {
    if (failed !== undefined || stopped) return;
    counters.failures++;
    failed = err instanceof LedgerError ? err : new LedgerError(`ledger: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    const error = serializeError(failed);
    group.drain(); // refused by the sender with everything else it holds
    whenGroupIdle();
    emit({ kind: 'error', error });
    // Never dropped: without it a 'sync' sender would wait for commits forever.
    void sender.whenWritable().then(() => sender.trySend({ kind: 'ledgerFailed', error }));
  }

  function report(highs: Map<string, number>): void {
    for (const [subject, seq] of highs) if (seq > (toReport.get(subject) ?? 0)) toReport.set(subject, seq);
    if (reportScheduled) return;
    reportScheduled = true;
    queueMicrotask(() => {
      reportScheduled = false;
      if (toReport.size === 0 || stopped) return;
      const streams: CommittedStream[] = [...toReport].map(([subject, seq]) => ({ subject, seq }));
      toReport = new Map();
      counters.commitReports++;
      // A lost report would stall a 'sync' sender: wait for room instead of dropping it.
      if (!sender.trySend({ kind: 'committed', streams })) {
        counters.mailboxFull++;
        void sender.whenWritable().then(() => report(new Map(streams.map((s) => [s.subject, s.seq]))));
      }
    });
  }

  function watchFlush(): void {
    if (flushWatch || unflushed.size === 0) return;
    flushWatch = true;
    const covered = unflushed;
    unflushed = new Map();
    store.flushed().then(
      () => {
        flushWatch = false;
        report(covered);
        watchFlush();
      },
      (err: unknown) => fail(err),
    );
  }

  function onSequenced(messages: readonly SequencedMessage[]): void {
    if (failed !== undefined) return;
    if (durability !== 'sync') {
      append(messages);
      return;
    }
    if (!group.offer(messages)) return; // waits for the commit in flight (group-commit.ts)
    if (append(messages)) gatherTurn();
  }

  /** Appends a commit's batches to the store as they are gathered; the turn ends at `setImmediate`, and then they are reported once flushed. */
  function gatherTurn(): void {
    if (turnScheduled) return;
    turnScheduled = true;
    setImmediate(endTurn);
  }

  function endTurn(): void {
    turnScheduled = false;
    group.turnEnded();
    const pending = gathered;
    const highs = gatheredHighs;
    gathered = [];
    gatheredHighs = new Map();
    Promise.all(pending).then(
      () => {
        report(highs);
        if (failed !== undefined || stopped) return;
        const next = group.committed();
        if (next.length === 0) return whenGroupIdle();
        // One append per stream for all of them: one transaction, one flush.
        if (append(next.length === 1 ? next[0] : next.flat())) gatherTurn();
      },
      (err: unknown) => fail(err),
    );
  }

  /** The group commit is idle: `flushRequested` asks waiting for it may flush now. */
  function whenGroupIdle(): void {
    const waiters = idleWaiters.splice(0);
    for (const w of waiters) w();
  }

  /**
   * Queues `messages` into the store (one write per stream). In `'sync'` mode their promises join
   * the commit being gathered; otherwise they only report failures (and `'async'` flushes).
   * False when the store failed.
   */
  function append(messages: readonly SequencedMessage[]): boolean {
    const sentAtMs = Date.now(); // wall clock: retention by age compares with it across restarts
    const bySubject = new Map<string, LedgerMessage[]>();
    for (const m of messages) {
      let list = bySubject.get(m.subject);
      if (list === undefined) bySubject.set(m.subject, (list = []));
      const l: LedgerMessage =
        m.replyTo === undefined
          ? { seq: m.seq, flags: m.flags, payload: m.payload, sentAtMs }
          : { seq: m.seq, flags: m.flags, replyTo: m.replyTo, payload: m.payload, sentAtMs };
      list.push(m.fragmentBytes === undefined ? l : { ...l, fragmentBytes: m.fragmentBytes });
    }
    const highs = new Map<string, number>();
    const pending: Promise<void>[] = [];
    try {
      for (const [subject, list] of bySubject) {
        pending.push(store.appendSent(subject, list));
        highs.set(subject, list[list.length - 1].seq);
      }
    } catch (err) {
      fail(err);
      return false;
    }
    counters.appends++;
    reportLowSeqs(highs);
    if (durability === 'sync') {
      gathered.push(...pending);
      for (const [subject, seq] of highs) if (seq > (gatheredHighs.get(subject) ?? 0)) gatheredHighs.set(subject, seq);
    } else {
      for (const p of pending) p.catch((err: unknown) => fail(err));
      if (durability === 'async') {
        for (const [subject, seq] of highs) unflushed.set(subject, seq);
        watchFlush();
      }
    }
    return true;
  }

  /** Tells the retransmit actor about streams (subject → newest seq) whose oldest held message moved. */
  function reportLowSeqs(streams: Iterable<[string, number]>): void {
    const changed: LedgerStreamInfo[] = [];
    for (const [subject, highSeq] of streams) {
      const lowSeq = store.lowSeq(subject);
      if (reportedLow.get(subject) === lowSeq) continue;
      reportedLow.set(subject, lowSeq);
      changed.push({ subject, lowSeq, highSeq });
    }
    if (changed.length > 0) post(retransmit, { kind: 'ledgerStreams', streams: changed });
  }

  function onServeRequested(peer: PeerId, subject: string, ranges: readonly SeqRange[]): void {
    counters.serves++;
    let result;
    try {
      result = serveFromLedger(store, subject, ranges, config.retransmit.maxMessagesPerNak, config.retransmit.maxMessagesPerNak);
      result = widenToSkip(store, subject, result, skipEnds.get(subject) ?? store.seqFloor);
    } catch (err) {
      fail(err);
      return; // no answer: the asker NAKs again, and gives up after its retries (data loss)
    }
    counters.messagesServed += result.messages.length;
    counters.seqsDeferred += result.deferred;
    for (const r of result.unavailable) counters.seqsUnavailable += r.to - r.from + 1;
    post(retransmit, { kind: 'served', peer, subject, messages: result.messages, unavailable: result.unavailable });
  }

  function onDurableOpened(id: number, durable: string, pattern: string, given: readonly StreamResume[] | undefined): void {
    counters.durablesOpened++;
    const positions: StreamResume[] = [];
    const handed: StreamResume[] = [];
    let existed = false;
    try {
      existed = store.isDurableMarked(durable);
      if (!existed) store.markDurable(durable).catch((err: unknown) => fail(err));
      const matcher = new PatternMatcher<true>();
      matcher.add(pattern, true);
      const confirmed = store.getDelivered(durable);
      const numbering = store.getNumbering(durable);
      for (const [key, seq] of confirmed) {
        if (positions.length >= config.receiver.maxStreams) break;
        const cut = key.indexOf('\u0000'); // streamKey(sender, subject)
        const senderName = key.slice(0, cut);
        const subject = key.slice(cut + 1);
        if (cut <= 0 || !matcher.matches(subject)) continue;
        const incarnation = numbering.get(key);
        positions.push(incarnation === undefined ? { sender: senderName, subject, seq } : { sender: senderName, subject, seq, incarnation });
      }
      if (given !== undefined && given.length > 0) {
        // The later of the ledger's position and the given one (kept elsewhere, e.g. in NATS).
        const at = new Map<string, number>();
        for (let i = 0; i < positions.length; i++) at.set(`${positions[i].sender}\u0000${positions[i].subject}`, i);
        for (const g of given) {
          if (!matcher.matches(g.subject)) continue;
          const i = at.get(`${g.sender}\u0000${g.subject}`);
          const p: StreamResume = g.incarnation === undefined ? { sender: g.sender, subject: g.subject, seq: g.seq } : { sender: g.sender, subject: g.subject, seq: g.seq, incarnation: g.incarnation };
          if (i !== undefined) {
            // Of two numberings, the given one when it is another incarnation's: the ledger's
            // position then counts in an earlier one (the given positions are the export's, newer).
            const mine = positions[i];
            if (mine.seq < g.seq || (g.incarnation !== undefined && mine.incarnation !== undefined && mine.incarnation !== g.incarnation)) positions[i] = p;
          } else if (positions.length < config.receiver.maxStreams) {
            at.set(`${g.sender}\u0000${g.subject}`, positions.length);
            positions.push(p);
          }
        }
      }
      // Handed to the application above the confirmed position before this start: they come
      // again, marked redelivered.
      for (const [key, seq] of store.getHanded(durable)) {
        if (handed.length >= config.receiver.maxStreams) break;
        const cut = key.indexOf('\u0000');
        const subject = key.slice(cut + 1);
        if (cut > 0 && seq > (confirmed.get(key) ?? 0) && matcher.matches(subject)) handed.push({ sender: key.slice(0, cut), subject, seq });
      }
    } catch (err) {
      fail(err); // the subscription still opens, from the late-join rule
    }
    counters.positionsResumed += positions.length;
    // Never dropped: the application waits for it before the subscription takes messages.
    // A durable that existed before this start (opened before, even if it never heard of a
    // stream) has been subscribed since before any stream it hears of now began (it was only
    // down): those streams are wanted from their start.
    const msg: ReceiverInbox = { kind: 'durableResumed', id, positions, handed, pattern, resumed: existed || given !== undefined || positions.length > 0 || handed.length > 0 };
    if (!receiver.trySend(msg)) void receiver.whenWritable().then(() => receiver.trySend(msg));
  }

  function onConfirmed(positions: readonly DurablePosition[], handed: readonly DurablePosition[] | undefined, markToken: number | undefined): void {
    // The application holds messages until their marks are committed: answered even when the
    // ledger failed (then they go without a safe mark; the failure was reported).
    const marked = (): void => {
      if (markToken !== undefined) emit({ kind: 'durableMarked', token: markToken });
    };
    if (failed !== undefined) return marked();
    const marks: Promise<void>[] = [];
    try {
      for (const p of positions) {
        store.setDelivered(p.durable, p.sender, p.subject, p.seq, p.incarnation).catch((err: unknown) => fail(err));
        counters.positionsConfirmed++;
      }
      for (const p of handed ?? []) {
        if (markToken === undefined) store.setHanded(p.durable, p.sender, p.subject, p.seq).catch((err: unknown) => fail(err));
        else marks.push(store.markHanded(p.durable, p.sender, p.subject, p.seq));
        counters.positionsHanded++;
      }
    } catch (err) {
      fail(err);
      return marked();
    }
    if (markToken === undefined) return;
    Promise.all(marks).then(marked, (err: unknown) => {
      fail(err);
      marked();
    });
  }

  function onDurableRenumbered(streams: readonly { durable: string; sender: string; subject: string; incarnation: number }[]): void {
    if (failed !== undefined) return;
    try {
      for (const r of streams) store.renumberDurable(r.durable, r.sender, r.subject, r.incarnation).catch((err: unknown) => fail(err));
    } catch (err) {
      fail(err);
    }
  }

  function onFlushRequested(token: number): void {
    const done = (): void => emit({ kind: 'ledgerFlushed', token });
    const flush = (): void => {
      if (failed !== undefined) return done();
      store.flushed().then(done, (err: unknown) => {
        fail(err);
        done();
      });
    };
    // Batches waiting for a group commit are not in the store yet: flush once they are.
    if (group.idle || failed !== undefined) flush();
    else idleWaiters.push(flush);
  }

  function onRetentionTimer(): void {
    if (stopped) return;
    if (failed === undefined) {
      try {
        const r = store.applyRetention(Date.now());
        counters.retentionRuns++;
        counters.retentionDeleted += r.messagesDeleted;
        if (r.messagesDeleted > 0) reportLowSeqs(Object.entries(store.highSeqs()));
      } catch (err) {
        fail(err);
      }
    }
    ctx.setTimer(ctx.clock() + ledger!.retentionIntervalMs, onRetentionTimer);
  }

  return {
    name: ctx.name,
    async start(c) {
      sender = c.ref<SenderInbox>('sender');
      retransmit = c.ref<RetransmitInbox>('retransmit');
      receiver = c.ref<ReceiverInbox>('receiver');
      const t0 = c.clock();
      store = await LedgerStore.open(ledger.store);
      openMs = c.clock() - t0;
      const highSeqs = store.highSeqs();
      const wallNow = Date.now();
      const streams: LedgerStreamInfo[] = Object.entries(highSeqs).map(([subject, highSeq]) => {
        const lowSeq = store.lowSeq(subject);
        reportedLow.set(subject, lowSeq);
        skipEnds.set(subject, Math.max(highSeq, store.seqFloor));
        // How long ago the oldest message held was published: receivers that never heard of the
        // stream and were interested since then begin there (DATA/HEARTBEAT `resumed`).
        const age = Math.floor(wallNow - store.oldestSentAtMs(subject));
        return lowSeq <= highSeq && age >= 0 ? { subject, lowSeq, highSeq, lowAgeMs: age } : { subject, lowSeq, highSeq };
      });
      // Retransmit first: it must know where a resumed stream starts before the sender's first `sent`.
      retransmit.send({ kind: 'ledgerResumed', seqFloor: store.seqFloor, streams });
      sender.send({ kind: 'resumed', streams: streams.map(resumedStream), seqFloor: store.seqFloor });
      c.setTimer(c.clock() + ledger.retentionIntervalMs, onRetentionTimer);
    },
    receive(msg) {
      switch (msg.kind) {
        case 'sequenced':
          onSequenced(msg.messages);
          break;
        case 'serveRequested':
          onServeRequested(msg.peer, msg.subject, msg.ranges);
          break;
        case 'durableOpened':
          onDurableOpened(msg.id, msg.durable, msg.pattern, msg.given);
          break;
        case 'confirmed':
          onConfirmed(msg.positions, msg.handed, msg.markToken);
          break;
        case 'durableRenumbered':
          onDurableRenumbered(msg.streams);
          break;
        case 'flushRequested':
          onFlushRequested(msg.token);
          break;
        default:
          assertNever(msg);
      }
    },
    async stop() {
      stopped = true;
      ctx.clearTimer();
      // Sequenced, waiting for a group commit, never sent: stored all the same, as without the group.
      if (failed === undefined && store !== undefined) for (const batch of group.drain()) if (!append(batch)) break;
      whenGroupIdle();
      await store?.close();
    },
    stats: () => {
      const s = store.stats();
      const r = store.recovery;
      return {
        ...counters,
        groupCommits: group.commits,
        batchesWaitedForCommit: group.waited,
        durability,
        incarnation: store.incarnation,
        seqFloor: store.seqFloor,
        openMs: Math.round(openMs),
        recovery: {
          created: r.created,
          freshAfterDamage: r.freshAfterDamage,
          uncleanShutdown: r.uncleanShutdown,
          lockTakenOver: r.lockTakenOver,
          streamsRaised: Object.keys(r.raised).length,
          verifyMs: Math.round(r.verifyMs),
          scanMs: Math.round(r.scanMs),
          scanInWorker: r.scanInWorker,
          ...(r.damagedMovedTo !== undefined ? { damagedMovedTo: r.damagedMovedTo } : {}),
        },
        streams: s.streams,
        messages: s.messages,
        bytes: s.bytes,
        fileBytes: s.fileBytes,
        durablePositions: s.durablePositions,
        store: { ...s.counters },
      };
    },
  };
}

/** What the sender needs of a stream the ledger reports on opening. */
function resumedStream(i: LedgerStreamInfo): ResumedStream {
  if (i.lowSeq > i.highSeq) return { subject: i.subject, seq: i.highSeq };
  return { subject: i.subject, seq: i.highSeq, held: i.lowAgeMs === undefined ? { seq: i.lowSeq } : { seq: i.lowSeq, ageMs: i.lowAgeMs } };
}
