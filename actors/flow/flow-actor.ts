/**
 * The flow actor's shell (`'flow'`): turns receivers' positions on our streams into credit for
 * the sender, and reports slow consumers.
 *
 * It owns one {@link FlowControl} (in-flight window and slow-consumer policy; its rate limit is
 * off here: the sender paces bytes). Per message it reads the clock once, feeds the core, then
 * sends `credit { subject, maxSeq: windowPosition + flowWindowMessages }` to `'sender'` for each
 * of our subjects whose credit changed (`Number.MAX_SAFE_INTEGER` when nobody limits the stream
 * any more). Its one timer follows `FlowControl.nextDeadlineMs()` (stalled receivers) and the
 * end of start-up discovery.
 *
 * Closing (`drainRequested`): emits `drained { token }` once every live receiver has reported
 * the newest seq of every stream ({@link FlowControl.drained}; one stuck for the stall bound is
 * excluded), checked after each input and every 20 ms.
 *
 * Start-up: for `discoveryMs` after the actor starts, the peer is still learning its audience
 * (the receivers actor has solicited adverts). A stream that no known receiver limits gets a
 * small credit (1/16 of its window from its first seq) instead of an unlimited one, and a
 * receiver learnt in that time is counted from the stream's first message (it was there before
 * we started, so it will ask for all of it).
 *
 * Receivers are registered for a subject from the patterns of `receiverJoined` (kept, so that
 * subjects first seen later in `sentUpTo` get them too) and from their own position reports.
 * State is bounded by the core (`maxTrackedPositions`), by the sender's `maxStreams` (our
 * subjects) and by the receiver list (peers and their patterns).
 *
 * Streams that leave the heartbeats (`streamsIdle` from `'retransmit'`) are answered with
 * `streamsChecked`: those a tracked receiver has not confirmed up to their newest seq are
 * announced for longer ({@link FlowControl.awaitsConfirmation}). A receiver that joins (or adds
 * patterns) has our matching streams, active and parked, named to `'retransmit'`
 * (`streamsWake`), which announces again those that left the heartbeats: a durable subscription
 * resuming below a quiet stream's newest seq learns of the rest. Position reports of a peer that
 * left are ignored until it joins again (they come late, through `'retransmit'`).
 *
 * Idle streams park: a subject without `sentUpTo` for `sender.activeStreamTtlMs` whose core
 * stream has nothing in flight, and whose last credit the sender has (so it can send its next
 * message, which makes the stream whole again), is parked in the core ({@link FlowControl.park})
 * and forgotten here (its credit, sizes and receivers). Subjects are looked at in turn, once a
 * second, at least 256 a time and all within a minute (the receiver's {@link IdleSweep}).
 */
import type { PeerId, StreamPosition } from '../../codecs/frame.js';
import { peerKey } from '../../codecs/frame.js';
import type { Actor, ActorContext } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import type { AppEvent } from '../app/events.js';
import type { PeerConfig } from '../app/peer-config.js';
import { assertNever, earliest } from '../core.js';
import { PatternMatcher } from '../subjects/pattern-matcher.js';
import { isValidPattern } from '../subjects/subject.js';
import { FlowControl } from './flow-control.js';
import { InFlightShare } from './in-flight-share.js';
import { WindowHold } from './window-hold.js';
import { RestartHolds } from './restart-holds.js';
import { IdleSweep } from '../receiver/idle-sweep.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { SenderInbox } from '../sender/messages.js';
import type { FlowInbox } from './messages.js';

/** While closing, how often the drained condition is checked when no input comes. */
const DRAIN_CHECK_MS = 20;

/**
 * The park sweep looks at every subject of ours within a minute, at least 256 a second: parking
 * costs about 2 µs a subject (and the garbage it frees), so 100,000 streams going idle together
 * spread it over a minute (about 0.4 % of a core; 30 s took 0.7-1.5 %, on top of the heartbeats
 * they leave at the same time).
 */
const PARK_ROUND_MS = 60_000;
const PARK_MIN_SUBJECTS = 256;

/**
 * Departed peer incarnations remembered, to ignore their late position reports. A report comes
 * within moments of the departure (an ACK in flight, or queued in another actor): the newest
 * 4,096 departures cover any plausible churn between the two.
 */
const MAX_DEPARTED = 4096;

/** Subjects per `streamsWake` or `confirmed` message (at most 255 bytes each: a slice stays far below a ring record). */
const WAKE_SLICE = 1024;

/** What the flow actor counts (`stats()`), besides the core's counters. */
export interface FlowActorCounters {
  /** `credit` messages sent to the sender. */
  creditsSent: number;
  /** `blocked` reports from the sender. */
  blockedReports: number;
  /** Receiver patterns ignored because they are not valid patterns. */
  invalidPatterns: number;
  /** Streams that left the heartbeats while a receiver had not confirmed them (announced for longer). */
  unconfirmedIdle: number;
  /** Streams of ours named to the retransmit actor because a receiver that wants them joined (it announces those that left the heartbeats again). */
  streamsWakeSent: number;
  /**
   * Position reports ignored because their peer had left (BYE or expiry) and not joined again:
   * its last ACKs can reach this actor after its departure, through the retransmit actor, and
   * would track it again as a receiver that never confirms (a false `slowConsumer` and a stall).
   */
  positionsAfterLeave: number;
  /** Sends refused by a full mailbox. */
  mailboxFull: number;
  /** `confirmed` messages sent to the retransmit actor (what receivers confirmed, for the window's eviction). */
  confirmedSent: number;
  /**
   * Times the sender was held (`hold`): all our streams together had more unconfirmed than 3/4 of
   * the retransmission window, by messages or bytes (released at 1/2).
   */
  holds: number;
  /** Receivers left out because they made no progress for `stallTimeoutMs` while the sender was held. */
  stalledWhileHeld: number;
  /**
   * Receivers replaced by a new incarnation (a restart) whose positions were still waited for,
   * until the new incarnation's first report or `stallTimeoutMs`.
   */
  restartsHeld: number;
}

/** What the flow actor keeps per subject of ours besides the core's stream. */
interface SubjectUse {
  readonly subject: string;
  /** Messages and payload bytes sent (halved now and then), for the average message size. */
  messages: number;
  bytes: number;
  /** When it last sent (whole ms: a float would be a boxed number per stream). */
  lastSentMs: number;
  /** Messages in flight (sent beyond the window's position) as counted in the actor's sums, and their estimated bytes. */
  inFlight: number;
  inFlightBytes: number;
}

/** Builds the flow actor. */
export function createActor(config: PeerConfig, ctx: ActorContext): Actor<FlowInbox> {
  const windowMessages = config.sender.flowWindowMessages;
  const counters: Omit<FlowActorCounters, 'holds'> = {
    creditsSent: 0,
    blockedReports: 0,
    invalidPatterns: 0,
    unconfirmedIdle: 0,
    streamsWakeSent: 0,
    positionsAfterLeave: 0,
    mailboxFull: 0,
    confirmedSent: 0,
    stalledWhileHeld: 0,
    restartsHeld: 0,
  };
  /** Subjects whose credit may have changed during the current message. */
  const touched = new Set<string>();
  let touchedAll = false;
  const flow = new FlowControl(
    {
      sink: {
        slowConsumer: (peer, subject, lagMessages) => emit({ kind: 'slowConsumer', peer, subject, lagMessages }),
        windowOpened: (subject) => touched.add(subject),
      },
    },
    { ...config.sender, rateBytesPerSec: 0, multicastProbeMs: config.socket.multicast ? config.receiverList.multicastProbeMs : 0 },
  );
  /** Our subjects (from `sentUpTo`), with the credit last sent (absent: none sent, the sender assumes unlimited). */
  const subjects = new Set<string>();
  const credits = new Map<string, number>();
  /** Messages and payload bytes sent per subject (its average message size), and when it last sent (whole ms). */
  const sizes = new Map<string, SubjectUse>();
  /** Our streams with messages in flight: each gets at most its share of half the sender's window (windowFor). */
  const share = new InFlightShare();
  const windowMaxMessages = config.sender.windowMaxMessages;
  const windowMaxBytes = config.sender.windowMaxBytes;
  /** What was last told the retransmit actor as confirmed, per subject of ours (its window evicts confirmed messages first). */
  const confirmedSent = new Map<string, number>();
  /** All our streams' messages in flight together, against the retransmission window: whether the sender is held (window-hold.ts). */
  const hold = new WindowHold(windowMaxMessages, windowMaxBytes, config.sender.stallTimeoutMs);
  /** Looks at our subjects in turn for idle ones to park (`sizes` is the list it walks). */
  const parkSweep = new IdleSweep(PARK_ROUND_MS, PARK_MIN_SUBJECTS);
  const swept: { readonly streams: Map<string, SubjectUse>; parkCursor?: Iterator<SubjectUse> } = { streams: sizes };
  const idleMs = config.sender.activeStreamTtlMs;
  /** When the park sweep may run next (undefined: no subject of ours is active). */
  let sweepAtMs: number | undefined;
  /** Receivers' patterns: pattern → peerKey, and the peers themselves. */
  const interest = new PatternMatcher<string>();
  const peers = new Map<string, { readonly peer: PeerId; readonly patterns: ReadonlySet<string> }>();
  /** Peer incarnations that left and have not joined again, oldest first (at most {@link MAX_DEPARTED}): their late reports are ignored. */
  const departed = new Set<string>();
  /** Restarted receivers whose earlier incarnation is still waited for. */
  const restarting = new RestartHolds();
  let sender: ActorRef<SenderInbox>;
  let retransmit: ActorRef<RetransmitInbox>;
  /** Set while the peer is closing: the token to answer with `drained`. */
  let drainToken: number | undefined;
  /** When start-up discovery ends, while it has not yet (its end is one of the timer's deadlines). */
  let discoveryEndsMs: number | undefined;

  function emit(event: AppEvent): void {
    ctx.emit(event);
  }

  function touch(subject: string): void {
    if (subjects.has(subject)) touched.add(subject);
  }

  function sendCredit(subject: string, force: boolean): void {
    const maxSeq = flow.creditLimit(ctx.clock(), subject);
    // The sender starts each stream with one window of credit; the first credit is always sent.
    if (!force && credits.has(subject) && maxSeq === credits.get(subject)) return;
    credits.set(subject, maxSeq);
    counters.creditsSent++;
    if (!sender.trySend({ kind: 'credit', subject, maxSeq })) {
      counters.mailboxFull++;
      credits.delete(subject); // unknown to the sender now: resend at the next change
    }
  }

  function publishCredits(): void {
    for (const subject of touchedAll ? subjects : touched) {
      if (!subjects.has(subject)) continue;
      const inFlight = flow.inFlight(subject);
      share.note(subject, inFlight > 0);
      countInFlight(subject, inFlight);
    }
    updateHold();
    if (share.settle()) {
      // Each stream's share of the window changed: every window (and so every credit) with it.
      for (const subject of subjects) flow.setWindow(subject, windowFor(subject));
      touchedAll = true;
    }
    for (const subject of touchedAll ? subjects : touched) sendCredit(subject, false);
    sendConfirmed();
    touched.clear();
    touchedAll = false;
  }

  /** Counts `inFlight` messages of `subject` in the hold's sums (replacing what was counted for it). */
  function countInFlight(subject: string, inFlight: number): void {
    const use = sizes.get(subject);
    if (use !== undefined) hold.count(use, inFlight, use.messages > 0 ? use.bytes / use.messages : 0);
  }

  /** Holds the sender past 3/4 of the window unconfirmed, lets it go under 1/2; tells it when that changes. */
  function updateHold(): void {
    hold.update(ctx.clock());
    const on = hold.toTell();
    if (on === undefined) return;
    if (sender.trySend({ kind: 'hold', on })) hold.toldSender(on);
    else counters.mailboxFull++; // told at the next input or timer
  }

  /**
   * Tells the retransmit actor what receivers confirmed of the streams touched, where it changed:
   * its window evicts confirmed messages first. Not while discovering with nobody limiting a
   * stream (a receiver learnt then asks from its start).
   */
  function sendConfirmed(): void {
    let names: string[] | undefined;
    let seqs: number[] | undefined;
    const now = ctx.clock();
    for (const subject of touchedAll ? subjects : touched) {
      if (!subjects.has(subject)) continue;
      const floor = flow.windowPosition(subject) ?? (flow.discovering(now) ? undefined : Number.MAX_SAFE_INTEGER);
      if (floor === undefined || confirmedSent.get(subject) === floor) continue;
      confirmedSent.set(subject, floor);
      (names ??= []).push(subject);
      (seqs ??= []).push(floor);
    }
    if (names === undefined || seqs === undefined) return;
    for (let i = 0; i < names.length; i += WAKE_SLICE) {
      counters.confirmedSent++;
      const msg = { kind: 'confirmed', subjects: names.slice(i, i + WAKE_SLICE), seqs: seqs.slice(i, i + WAKE_SLICE) } as const;
      if (!retransmit.trySend(msg)) {
        counters.mailboxFull++;
        for (const subject of msg.subjects) confirmedSent.delete(subject); // told at the next change
      }
    }
  }

  /**
   * The window of `subject` in messages: `flowWindowMessages`, or fewer when its messages are
   * large (`flowWindowBytes`), and at most its share of half the sender's window
   * (`windowMaxMessages`, `windowMaxBytes`) among our streams in flight (InFlightShare), so that
   * what receivers have not confirmed is never evicted for room. At least one message.
   */
  function windowFor(subject: string): number {
    const sharers = share.count;
    let w = Math.min(windowMessages, Math.floor(windowMaxMessages / 2 / sharers));
    const size = sizes.get(subject);
    if (size !== undefined && size.messages > 0) {
      const average = Math.max(1, size.bytes / size.messages);
      const windowBytes = config.sender.flowWindowBytes;
      if (windowBytes > 0) w = Math.min(w, Math.floor(windowBytes / average));
      w = Math.min(w, Math.floor(windowMaxBytes / 4 / sharers / average));
    }
    return Math.max(1, w);
  }

  function onSentUpTo(now: number, subject: string, fromSeq: number, seq: number, bytes: number): void {
    let size = sizes.get(subject);
    if (size === undefined) sizes.set(subject, (size = { subject, messages: 0, bytes: 0, lastSentMs: 0, inFlight: 0, inFlightBytes: 0 }));
    size.lastSentMs = Math.floor(now);
    size.messages += Math.max(1, seq - fromSeq + 1);
    size.bytes += bytes;
    // Recent sizes count most: halve the totals now and then, so the average follows the traffic.
    if (size.messages > 65_536) {
      size.messages /= 2;
      size.bytes /= 2;
    }
    if (!subjects.has(subject)) {
      adopt(now, subject);
      // The core learns where the stream starts from its first seq in this incarnation (a parked
      // stream knows already: it goes on from its newest sent seq).
      if (fromSeq < seq) flow.onSent(now, subject, fromSeq, 0);
    }
    flow.onSent(now, subject, seq, bytes);
    // The core's window is the credit's: its stall and progress rules must see the same window.
    flow.setWindow(subject, windowFor(subject));
    touch(subject);
  }

  /**
   * `subject` is ours (new, or parked until now): its receivers are those our peers' patterns
   * match, and the park sweep looks at it (from `now`).
   */
  function adopt(now: number, subject: string): void {
    subjects.add(subject);
    if (!sizes.has(subject)) sizes.set(subject, { subject, messages: 0, bytes: 0, lastSentMs: Math.floor(now), inFlight: 0, inFlightBytes: 0 });
    for (const key of interest.match(subject)) flow.addReceiver(now, peers.get(key)!.peer, subject);
  }

  /** Parks the subjects due a look that were idle for `idleMs` with nothing in flight. */
  function parkIdle(now: number): void {
    if (sweepAtMs === undefined || now < sweepAtMs || flow.discovering(now)) return;
    // Paced by every stream, parked ones too: a round stays within a minute as the active ones get fewer.
    parkSweep.run(now, sizes.size + flow.counters.parkedStreams, [swept], (_, use: SubjectUse) => {
      const subject = use.subject;
      // The sender must hold the credit we would send now: its next message then goes, and
      // (as `sentUpTo`) makes the stream whole again.
      if (now - use.lastSentMs < idleMs || credits.get(subject) !== flow.creditLimit(now, subject) || !flow.park(subject)) return;
      countInFlight(subject, 0);
      subjects.delete(subject);
      credits.delete(subject);
      sizes.delete(subject);
      share.forget(subject);
      confirmedSent.delete(subject);
      touched.delete(subject);
    });
  }

  function onReceiverJoined(now: number, peer: PeerId, patterns: readonly string[]): void {
    const key = peerKey(peer);
    departed.delete(key); // back (an expiry it outlived): its reports count again
    const before = peers.get(key);
    const wanted = new Set<string>();
    for (const p of patterns) {
      if (isValidPattern(p)) wanted.add(p);
      else counters.invalidPatterns++;
    }
    // Only what changed: a peer with 100,000 patterns that adds one must not re-add them all
    // (measured: 1.7 s of matcher updates per change at 99,999 patterns).
    const added: string[] = [];
    const removed: string[] = [];
    for (const p of wanted) if (before === undefined || !before.patterns.has(p)) added.push(p);
    if (before !== undefined) for (const p of before.patterns) if (!wanted.has(p)) removed.push(p);
    for (const p of removed) interest.remove(p, key);
    for (const p of added) interest.add(p, key);
    peers.set(key, { peer, patterns: wanted });
    if (added.length === 0 && removed.length === 0) return;
    const gained = new PatternMatcher<true>({ cacheSize: 0 });
    for (const p of added) gained.add(p, true);
    const lost = new PatternMatcher<true>({ cacheSize: 0 });
    for (const p of removed) lost.add(p, true);
    // Our streams the newcomer wants: the retransmit actor announces again those that left the
    // heartbeats, so that it learns their newest seq (a durable subscription resuming below it
    // asks for the rest instead of waiting for the stream's next message).
    const wake: string[] = [];
    for (const subject of subjects) {
      if (gained.matches(subject)) {
        flow.addReceiver(now, peer, subject);
        wake.push(subject);
      }
      // No longer interested: none of its remaining patterns matches.
      else if (lost.matches(subject) && !interest.match(subject).includes(key)) flow.removeReceiver(peer, subject);
    }
    for (const subject of flow.parkedSubjects()) if (gained.matches(subject)) wake.push(subject);
    // In slices: a newcomer with `>` may want every one of 100,000 streams, and a message to
    // another thread must fit one ring record.
    for (let i = 0; i < wake.length; i += WAKE_SLICE) {
      const subjects = wake.slice(i, i + WAKE_SLICE);
      counters.streamsWakeSent += subjects.length;
      if (!retransmit.trySend({ kind: 'streamsWake', subjects })) counters.mailboxFull++;
    }
    touchedAll = true;
  }

  function onReceiverLeft(now: number, peer: PeerId, restarted: boolean): void {
    const key = peerKey(peer);
    const before = peers.get(key);
    if (before !== undefined) for (const p of before.patterns) interest.remove(p, key);
    peers.delete(key);
    const earlier = restarting.onLeft(peer);
    if (earlier !== undefined) flow.removeReceiver(earlier);
    // One that never reported has no positions to keep: a forger's name taken over by another
    // incarnation of it, or a process killed before its first report (FlowControl remembers its
    // stall clock for the next incarnation instead: unreported-names.ts).
    if (restarted && before !== undefined && flow.hasReported(peer)) {
      // Its positions stay in the window until its new incarnation reports its own (RestartHolds).
      const evicted = restarting.hold(peer, now + config.sender.stallTimeoutMs);
      if (evicted !== undefined) flow.removeReceiver(evicted);
      flow.renewProgress(now, peer);
      counters.restartsHeld++;
    } else flow.removeReceiver(peer);
    departed.delete(key);
    departed.add(key);
    if (departed.size > MAX_DEPARTED) departed.delete(departed.values().next().value as string);
    touchedAll = true;
  }

  function onPositions(now: number, peer: PeerId, positions: readonly StreamPosition[]): void {
    if (departed.size > 0 && departed.has(peerKey(peer))) {
      counters.positionsAfterLeave++;
      return;
    }
    const replaced = restarting.onReport(peer);
    if (replaced !== undefined) releaseRestarted(replaced);
    for (const p of positions) {
      const parked = !subjects.has(p.subject) && flow.isParked(p.subject);
      flow.onPosition(now, peer, p.subject, p.seq);
      // A report below a parked stream's newest seq made it whole: ours again, credit follows.
      if (parked && !flow.isParked(p.subject)) adopt(now, p.subject);
      touch(p.subject);
    }
    // The restarted receiver's first report: its stall bound starts now, not with the block
    // episode its old incarnation began (it would be left out at once, catching up). Before
    // (6 December), a durable subscriber back 200 ms after a SIGKILL was named slow 200 ms after
    // it was listed: the publisher ran 150,000 messages ahead and the durable subscription,
    // catching up, dropped 70,560 ('subscriberOverflow').
    if (replaced !== undefined) flow.renewProgress(now, peer);
  }

  /** The earlier incarnation of a restarted receiver is no longer waited for. */
  function releaseRestarted(earlier: PeerId): void {
    flow.removeReceiver(earlier);
    touchedAll = true;
  }

  function onBlocked(now: number, subject: string, seq: number): void {
    counters.blockedReports++;
    if (flow.isParked(subject)) adopt(now, subject); // not expected (it parked with credit to send): made whole
    if (!subjects.has(subject)) return; // credit comes only for our subjects: a stale report
    // Records the refusal in the core (stall clock). If the core would allow `seq`, the sender's
    // credit is stale: send it again.
    if (flow.canSend(now, subject, seq, 0).ok) sendCredit(subject, true);
    touch(subject);
  }

  /** Streams that left the heartbeats: which of them a receiver has not confirmed (the retransmit actor announces those for longer). */
  function onStreamsIdle(subjects: readonly string[]): void {
    const unconfirmed: string[] = [];
    const confirmed: string[] = [];
    for (const subject of subjects) (flow.awaitsConfirmation(subject) ? unconfirmed : confirmed).push(subject);
    counters.unconfirmedIdle += unconfirmed.length;
    if (!retransmit.trySend({ kind: 'streamsChecked', unconfirmed, confirmed })) counters.mailboxFull++;
  }

  /** While closing: answers `drained` once every live receiver confirmed every stream's end. */
  function checkDrained(now: number): void {
    if (drainToken === undefined) return;
    if (!flow.drained(now)) return;
    emit({ kind: 'drained', token: drainToken });
    drainToken = undefined;
  }

  function armTimer(): void {
    const end = discoveryEndsMs;
    const drainCheck = drainToken === undefined ? undefined : ctx.clock() + DRAIN_CHECK_MS;
    // No stream can be idle before `idleMs` after the first one sent: the first sweep waits that long.
    if (sizes.size === 0) sweepAtMs = undefined;
    else sweepAtMs ??= ctx.clock() + idleMs;
    const sweep = sweepAtMs === undefined ? undefined : Math.max(sweepAtMs, parkSweep.nextRunMs);
    const at = earliest(earliest(flow.nextDeadlineMs(), end, drainCheck, sweep, hold.stallDueMs()), restarting.nextDueMs());
    if (at === undefined) ctx.clearTimer();
    else ctx.setTimer(at, onTimer);
  }

  function onTimer(): void {
    const now = ctx.clock();
    // The core's deadlines, the end of discovery and the drain checks, not a park sweep alone:
    // touching every subject costs a credit computation per stream.
    // Restarted receivers' holds that ended first: an earlier incarnation whose hold ends as it
    // would stall leaves quietly. Before (6 December) it was named in a `slowConsumer` event 2 s
    // after its `peerLeft` ('restarted'), for a process that no longer ran.
    const due = restarting.releaseDue(now);
    for (const earlier of due) releaseRestarted(earlier);
    if (due.length > 0) publishCredits();
    const coreAt = earliest(flow.nextDeadlineMs(), discoveryEndsMs);
    const stalledSince = hold.onStallDue(now);
    if (stalledSince !== undefined) {
      // Held for the stall bound: receivers that made no progress meanwhile are no longer waited for.
      counters.stalledWhileHeld += flow.excludeStalledSince(stalledSince);
      touchedAll = true;
      publishCredits();
    }
    if ((coreAt !== undefined && coreAt <= now) || drainToken !== undefined) {
      if (discoveryEndsMs !== undefined && !flow.discovering(now)) discoveryEndsMs = undefined;
      flow.onTimer(now);
      touchedAll = true; // a stalled receiver left the window of some stream
      publishCredits();
    }
    parkIdle(now);
    checkDrained(now);
    armTimer();
  }

  return {
    name: ctx.name,
    start(c) {
      sender = c.ref<SenderInbox>('sender');
      retransmit = c.ref<RetransmitInbox>('retransmit');
      if (config.discoveryMs > 0) {
        discoveryEndsMs = ctx.clock() + config.discoveryMs;
        flow.startDiscovery(discoveryEndsMs);
        armTimer();
      }
    },
    receive(msg) {
      const now = ctx.clock();
      switch (msg.kind) {
        case 'sentUpTo':
          onSentUpTo(now, msg.subject, msg.fromSeq ?? msg.seq, msg.seq, msg.bytes);
          break;
        case 'positions':
          onPositions(now, msg.peer, msg.positions);
          break;
        case 'receiverJoined':
          onReceiverJoined(now, msg.peer, msg.patterns);
          break;
        case 'receiverLeft':
          onReceiverLeft(now, msg.peer, msg.restarted === true);
          break;
        case 'receiverInDoubt':
          flow.renewProgress(now, msg.peer, now + msg.forMs);
          break;
        case 'blocked':
          onBlocked(now, msg.subject, msg.seq);
          break;
        case 'drainRequested':
          drainToken = msg.token;
          break;
        case 'streamsIdle':
          onStreamsIdle(msg.subjects);
          break;
        default:
          assertNever(msg);
      }
      publishCredits();
      checkDrained(now);
      armTimer();
    },
    stop() {
      ctx.clearTimer();
    },
    stats: () => ({ ...counters, subjects: subjects.size, receivers: peers.size, holds: hold.holds, unconfirmedMessages: hold.unconfirmedMessages, unconfirmedBytes: hold.unconfirmedBytes, held: hold.held, core: { ...flow.counters } }),
  };
}
