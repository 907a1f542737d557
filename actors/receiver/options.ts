/**
 * Options of the receiver cores: reorder window and memory bounds, NAK timing and size,
 * late join, reassembly size and the hostile-input bounds.
 *
 * Resolved once by {@link resolveReceiverOptions}; each core takes the resolved object (or the
 * `Pick` of it that it reads), so the cores never validate options themselves.
 */
import { InvalidOptionError } from '../../errors.js';
import { checkInteger, rejectUnknownKeys } from '../option-checks.js';

export interface ReceiverOptions {
  /**
   * Reorder window per stream: with `next` the next sequence expected, messages up to
   * `next + maxBufferedMessages` are kept out of order (at most this many per stream); higher
   * ones are dropped (counted) and asked for again once the window has moved. Also the most
   * sequences of one stream NAKed at a time.
   * @default 4096
   */
  maxBufferedMessages?: number;
  /**
   * Memory for messages held by every stream together: out-of-order messages plus fragments
   * of messages being reassembled. An out-of-order message from DATA is held as its datagram,
   * which counts whole (once, however many of its messages wait); one from RETRANSMIT counts
   * its payload. Out-of-order messages may use at most
   * `maxBufferedBytes - maxMessageBytes` of it (so one largest message can always be
   * reassembled in order); past that they are dropped and NAKed again later (not data loss).
   * A fragment that does not fit is dropped and NAKed again later; fragments of the message a
   * stream waits for may take the room of its later messages' fragments.
   * Must be at least twice `maxMessageBytes`.
   * @default 67108864 (64 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Most streams (sender name, subject) tracked, departed senders' remembered positions
   * included (those are forgotten first when room is needed); a new stream past the bound is
   * ignored (counted in `streamsRefused`).
   * @default 250000
   */
  maxStreams?: number;
  /**
   * Most streams of one sender name; a new stream of a sender that holds this many is ignored
   * (counted in `streamsRefusedSenderQuota`). Bounds what one name, forged or not, can take of
   * `maxStreams` (a publisher of one stream per instrument or device may own 100,000).
   * @default 100000
   */
  maxStreamsPerSender?: number;
  /**
   * A stream with nothing pending (no message held, no gap, nothing announced beyond what was
   * released) and no frame for this long is parked: the receiver keeps only its next sequence
   * (about 100 bytes instead of about 600), and makes it whole again at its next frame, from
   * that sequence (what was missed meanwhile is NAKed, nothing is delivered twice, no loss is
   * reported). Parked streams still count in `maxStreams` and `maxStreamsPerSender`. Streams are
   * looked at in turn, at least 1,024 a second (all of them within 30 s), so a stream parks
   * between this and this + 30 s after its last frame. 0: never.
   * @default 60000
   */
  idleStreamMs?: number;
  /**
   * Most streams, all together, of senders the receiver list has not listed (no advert of theirs
   * heard yet, or never: forged DATA and HEARTBEAT need nothing but a name). A new stream of such
   * a sender past it is ignored (counted in `streamsRefusedUnlisted`): it is opened later, once
   * an advert lists the sender (what it missed meanwhile is NAKed or, past the late-join bound,
   * not delivered, as for any stream first heard of late). When `maxStreams` are tracked, the
   * streams of unlisted senders are forgotten to make room for a listed sender's, longest-known
   * first (after departed senders'); a listed sender's live streams never are.
   * @default 256
   */
  maxUnlistedStreams?: number;
  /**
   * A sender not listed this long after its first stream was opened is settled as a departed one
   * (pending messages delivered or reported lost, `'senderLeft'`; counted in
   * `unlistedSendersExpired`); still departed one period later, it is forgotten. Keep it at
   * least the peers' advert interval (the peer sets it to `peerExpiryMs`).
   * @default 5000
   */
  unlistedSenderExpiryMs?: number;
  /**
   * Largest reassembled message; a larger one is dropped and its sequences reported lost
   * (`'tooLarge'`). Use the senders' `maxMessageBytes`. At most 1 GiB.
   * @default 16777216 (16 MiB)
   */
  maxMessageBytes?: number;
  /** Shortest wait before the first NAK of a newly seen gap (randomized: suppresses NAK storms). @default 2 */
  nakDelayMinMs?: number;
  /** Longest wait before the first NAK of a newly seen gap. @default 20 */
  nakDelayMaxMs?: number;
  /**
   * Shortest wait after the first NAK of a gap before asking again; doubles with each NAK. The
   * wait follows the repair time measured per sender (first NAK to the missing data back, RFC 6298
   * smoothing, Karn's rule), so a sender that answers slowly is not asked again and again while
   * its answer is on its way; this is the wait before any repair was measured, and the floor.
   * @default 50
   */
  nakRetryMs?: number;
  /** Cap of the wait between NAKs of a gap (the doubling and the measured repair time). @default 1000 */
  nakRetryMaxMs?: number;
  /**
   * NAKs of a gap after the first that may go unanswered while the sender is heard from, before
   * the gap is reported lost (`'timeout'`). A NAK sent while the sender is silent (a partition),
   * or answered by repairs of other gaps of the stream (a sender serving a backlog at its repair
   * budget), does not count: it is repeated, and a sender that stays silent is released by
   * `onSenderLeft` (expiry). With the defaults a gap is given up about 9.6 s after its first NAK
   * when repairs are fast, at most about 13 s when they are slow (every wait at `nakRetryMaxMs`).
   * @default 12
   */
  nakMaxRetries?: number;
  /** Most ranges in one NAK. @default 64 */
  maxNakRanges?: number;
  /**
   * Most sequences one NAK asks for, summed over its ranges (so also the widest range). Keep it
   * at most the senders' `maxMessagesPerNak` (retransmit options), which serve no more per NAK.
   * @default 1024
   */
  maxNakSeqs?: number;
  /**
   * A DATA or RETRANSMIT message more than this far above the next expected sequence is
   * implausible: it is dropped (counted in `implausibleSeqs`) and changes nothing, so one forged
   * or corrupt datagram can neither open a huge gap nor make the stream skip. So is a heartbeat
   * (or BYE) entry whose `lowSeq` or `highSeq` lies that far above it (counted in
   * `implausibleHeartbeats`): a stream never skips, reports lost or NAKs more than this on one
   * frame's word. A sender really that far ahead is followed after `maxGapConfirmMs`. At least
   * `maxBufferedMessages`.
   * @default 1000000
   */
  maxGapMessages?: number;
  /**
   * A stream all of whose frames for this long were more than `maxGapMessages` ahead (nothing
   * nearer from the sender in between, as its heartbeats would be) takes its sender to be that
   * far ahead: the next such heartbeat is applied (`highSeq` NAKed window by window, what is
   * below `lowSeq` reported lost) and counted in `farAheadFollowed`. Forged far-ahead frames
   * mixed with the sender's real ones never move the stream. Keep it above the senders'
   * `heartbeatMaxMs`; 0 follows at once.
   * @default 5000
   */
  maxGapConfirmMs?: number;
  /**
   * A gap known only from a heartbeat (above every message received) is not NAKed while
   * messages of the stream keep arriving within this many ms: it is most likely data still in
   * flight or in this host's socket buffer, and NAKing it would only bring duplicates.
   * @default 20
   */
  tailQuietMs?: number;
  /**
   * Late join: on first sight of a stream at sequence `s` whose sender incarnation started it at
   * `s0`, the receiver begins at `s0` (and NAKs what it missed) when `s - s0` is at most this,
   * else at `s`. From a heartbeat: at `startSeq` when `highSeq - startSeq` is at most this (what
   * is below `lowSeq` is then reported lost, `'unavailable'`), else at `highSeq + 1`. 0 always
   * begins at the first message seen.
   * @default 4096
   */
  lateJoinMaxMessages?: number;
  /**
   * After a sender restarts (a new incarnation, adopted when its ADVERT arrives), a stream the
   * new incarnation has not described yet (no DATA or HEARTBEAT naming it, so it is unknown
   * whether its numbering continues) does not NAK for this long, and ignores RETRANSMIT messages
   * meanwhile; after it, it NAKs the new incarnation. Also the longest time frames of an
   * incarnation not advertised yet are held back waiting for its ADVERT (counted in
   * `unadvertisedHeld`; dropped after it, in `unadvertisedDropped`). Keep it above the network's
   * worst reordering delay.
   * @default 1000
   */
  resyncGraceMs?: number;
}

/** Every receiver option, resolved. */
export type ResolvedReceiverOptions = Required<ReceiverOptions>;

export const DEFAULT_RECEIVER_OPTIONS: Readonly<ResolvedReceiverOptions> = Object.freeze({
  maxBufferedMessages: 32_768,
  tailQuietMs: 20,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxStreams: 250_000,
  maxStreamsPerSender: 100_000,
  idleStreamMs: 60_000,
  maxUnlistedStreams: 256,
  unlistedSenderExpiryMs: 5000,
  maxMessageBytes: 16 * 1024 * 1024,
  nakDelayMinMs: 2,
  nakDelayMaxMs: 20,
  nakRetryMs: 50,
  nakRetryMaxMs: 1000,
  nakMaxRetries: 12,
  maxNakRanges: 64,
  maxNakSeqs: 1024,
  maxGapMessages: 1_000_000,
  maxGapConfirmMs: 5000,
  lateJoinMaxMessages: 4096,
  resyncGraceMs: 1000,
});

const ONE_GIB = 1024 * 1024 * 1024;
const ONE_HOUR_MS = 3600 * 1000;

/** Merges `o` over the defaults and validates every value and the relations between them. */
export function resolveReceiverOptions(o: ReceiverOptions = {}, path = 'options'): ResolvedReceiverOptions {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError(`${path} must be an object`);
  rejectUnknownKeys(path, o, DEFAULT_RECEIVER_OPTIONS);
  const m = { ...DEFAULT_RECEIVER_OPTIONS } as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) m[k] = v;
  const int = (key: keyof ReceiverOptions, min: number, max?: number): number =>
    checkInteger(`${path}.${key}`, m[key], min, max);
  const r: ResolvedReceiverOptions = {
    maxBufferedMessages: int('maxBufferedMessages', 1, 10_000_000),
    tailQuietMs: int('tailQuietMs', 0, 60_000),
    maxBufferedBytes: int('maxBufferedBytes', 2),
    maxStreams: int('maxStreams', 1, 100_000_000),
    maxStreamsPerSender: int('maxStreamsPerSender', 1, 100_000_000),
    idleStreamMs: int('idleStreamMs', 0, 24 * ONE_HOUR_MS),
    maxUnlistedStreams: int('maxUnlistedStreams', 0, 100_000_000),
    unlistedSenderExpiryMs: int('unlistedSenderExpiryMs', 1, ONE_HOUR_MS),
    maxMessageBytes: int('maxMessageBytes', 1, ONE_GIB),
    nakDelayMinMs: int('nakDelayMinMs', 0, ONE_HOUR_MS),
    nakDelayMaxMs: int('nakDelayMaxMs', 0, ONE_HOUR_MS),
    nakRetryMs: int('nakRetryMs', 1, ONE_HOUR_MS),
    nakRetryMaxMs: int('nakRetryMaxMs', 1, ONE_HOUR_MS),
    nakMaxRetries: int('nakMaxRetries', 0, 1000),
    maxNakRanges: int('maxNakRanges', 1, 65_535),
    maxNakSeqs: int('maxNakSeqs', 1, 10_000_000),
    maxGapMessages: int('maxGapMessages', 1),
    maxGapConfirmMs: int('maxGapConfirmMs', 0, ONE_HOUR_MS),
    lateJoinMaxMessages: int('lateJoinMaxMessages', 0),
    resyncGraceMs: int('resyncGraceMs', 0, ONE_HOUR_MS),
  };
  const atLeast = (key: keyof ReceiverOptions, value: number, otherKey: keyof ReceiverOptions, other: number): void => {
    if (value < other) {
      throw new InvalidOptionError(`${path}.${key} (${value}) must be at least ${path}.${otherKey} (${other})`);
    }
  };
  atLeast('nakDelayMaxMs', r.nakDelayMaxMs, 'nakDelayMinMs', r.nakDelayMinMs);
  atLeast('nakRetryMaxMs', r.nakRetryMaxMs, 'nakRetryMs', r.nakRetryMs);
  atLeast('maxGapMessages', r.maxGapMessages, 'maxBufferedMessages', r.maxBufferedMessages);
  if (r.maxBufferedBytes < 2 * r.maxMessageBytes) {
    throw new InvalidOptionError(
      `${path}.maxBufferedBytes (${r.maxBufferedBytes}) must be at least twice ${path}.maxMessageBytes (${r.maxMessageBytes})`,
    );
  }
  return r;
}
