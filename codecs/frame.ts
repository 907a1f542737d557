/**
 * The decoded shape of every wire frame, shared by the codecs and the protocol cores.
 *
 * A frame is what one UDP datagram carries. The binary layouts live in `codecs/frames/*.ts`
 * and are documented byte by byte in docs/PROTOCOL.md; this file holds only the
 * TypeScript view that the cores read and write. Sequence numbers are plain `number`s
 * (at most 2^53 - 1): they are unsigned 64-bit on the wire, and the decoder refuses
 * anything a JS number cannot hold exactly.
 *
 * @packageDocumentation
 */

/** A peer's identity: the stable `name` it was started with plus a per-start `incarnation`. */
export interface PeerId {
  readonly name: string;
  /** Chosen at each start (unsigned 32-bit); a new value means the peer restarted. */
  readonly incarnation: number;
}

/** An inclusive range of sequence numbers, `from <= to`. */
export interface SeqRange {
  readonly from: number;
  readonly to: number;
}

/** Bits of {@link WireMessage.flags}. Only these bits may be set on the wire. */
export const MESSAGE_FLAGS = {
  /** The payload is one msgpackr-encoded value (else raw bytes). */
  msgpack: 0x01,
  /**
   * This record is one fragment of a larger message: it carries the message's seq (shared by
   * every fragment) and, in its fragment extension, `fragIndex` and `fragCount`.
   */
  fragment: 0x02,
  /** With `fragment`: the first fragment of the message (`fragIndex` 0). */
  firstFragment: 0x04,
  /** With `fragment`: the last fragment of the message (`fragIndex` = `fragCount - 1`). */
  lastFragment: 0x08,
} as const;

/** Mask of every defined message flag; a decoder rejects any other bit. */
export const MESSAGE_FLAGS_MASK = 0x0f;

/**
 * Most fragments of one message (protocol of the wire): a message is at most 1 GiB
 * (`maxMessageBytes`) and a fragment carries at least one byte.
 */
export const MAX_FRAGMENT_COUNT = 0x4000_0000;

/**
 * One message of one stream, as carried in DATA and RETRANSMIT frames, or one fragment of a
 * message: then `flags` has `MESSAGE_FLAGS.fragment` and `fragIndex`/`fragCount` are set
 * (and only then), and `seq` is the whole message's.
 */
export interface WireMessage {
  readonly subject: string;
  readonly seq: number;
  readonly flags: number;
  /** Subject a reply should be published on (request/reply), if any. */
  readonly replyTo?: string;
  readonly payload: Uint8Array;
  /** With the `fragment` flag: this fragment's index in its message, `0 <= fragIndex < fragCount`. */
  readonly fragIndex?: number;
  /** With the `fragment` flag: the message's fragment count, `2..MAX_FRAGMENT_COUNT`. */
  readonly fragCount?: number;
}

/** Fragments `fromFrag..toFrag` (inclusive) of message `seq`, as a receiver NAKs them. */
export interface FragmentRange {
  readonly seq: number;
  readonly fromFrag: number;
  readonly toFrag: number;
}

/** Per-stream facts a sender states in DATA (per subject), HEARTBEAT and BYE frames. */
export interface StreamInfo {
  readonly subject: string;
  /** First sequence this stream has under the sender's current incarnation. */
  readonly startSeq: number;
  /** Oldest sequence the sender still holds to serve retransmissions (`highSeq + 1` when none). */
  readonly lowSeq: number;
  /** Newest sequence the sender has sent (`startSeq - 1` when none yet). */
  readonly highSeq: number;
  /** Milliseconds since the stream's first message in this incarnation (absent: unknown). See {@link StreamStart.ageMs}. */
  readonly ageMs?: number;
  /** Set when the numbering continues an earlier incarnation's: see {@link ResumedFrom}. */
  readonly resumed?: ResumedFrom;
}

/** DATA: a batch of messages sent once, by multicast (or by unicast in fallback mode). */
export interface DataFrame {
  readonly kind: 'data';
  readonly sender: PeerId;
  /** One entry per distinct subject among `messages` (start of the stream in this incarnation). */
  readonly streams: readonly StreamStart[];
  readonly messages: readonly WireMessage[];
}

/** The part of {@link StreamInfo} a DATA frame carries per subject. */
export interface StreamStart {
  readonly subject: string;
  readonly startSeq: number;
  /**
   * Milliseconds since the stream's first message in this incarnation, when the frame was built
   * (at most {@link MAX_STREAM_AGE_MS}; absent: unknown, sent as {@link UNKNOWN_STREAM_AGE}).
   * A receiver that first hears of the stream late compares it with its own subscription time,
   * without any clock shared between hosts: subscribed before the stream began means it wants
   * the stream from `startSeq`.
   */
  readonly ageMs?: number;
  /** Set when the numbering continues an earlier incarnation's: see {@link ResumedFrom}. */
  readonly resumed?: ResumedFrom;
}

/**
 * A stream whose numbering continues an earlier incarnation's (the sender's ledger kept it): the
 * oldest message of the earlier numbering that the ledger still holds. `startSeq` stays the first
 * sequence of this incarnation (receivers that knew the stream continue past it); a receiver that
 * never heard of the stream and was interested before this message was published begins at
 * `seq` instead, so what the earlier incarnation committed but never sent (it was killed
 * first) is asked for, not skipped.
 */
export interface ResumedFrom {
  /** `1 <= seq < startSeq`. */
  readonly seq: number;
  /** Milliseconds since that message was published, on the sender's clock (absent: unknown). */
  readonly ageMs?: number;
}

/** The wire value of an unknown stream age (u32 all ones). */
export const UNKNOWN_STREAM_AGE = 0xffff_ffff;
/** The largest stream age on the wire (older streams are sent as this: about 49 days). */
export const MAX_STREAM_AGE_MS = 0xffff_fffe;

/** `ageMs` as written on the wire: clamped to 0..MAX_STREAM_AGE_MS, or UNKNOWN_STREAM_AGE. */
export function wireStreamAge(ageMs: number | undefined): number {
  if (ageMs === undefined || !(ageMs >= 0)) return UNKNOWN_STREAM_AGE;
  return Math.min(MAX_STREAM_AGE_MS, Math.floor(ageMs));
}

/** HEARTBEAT: the newest sequence of each recently active stream, so tail loss shows. */
export interface HeartbeatFrame {
  readonly kind: 'heartbeat';
  readonly sender: PeerId;
  readonly streams: readonly StreamInfo[];
}

/** NAK: a receiver asks `target` for missing sequences of one stream (reliable unicast). */
export interface NakFrame {
  readonly kind: 'nak';
  readonly sender: PeerId;
  /** Reliable-unicast channel sequence (1, 2, …) from `sender` to `target`. */
  readonly channelSeq: number;
  readonly target: PeerId;
  readonly subject: string;
  /** Whole messages missing. May be empty when `fragments` is not. */
  readonly ranges: readonly SeqRange[];
  /**
   * Fragments missing of messages the receiver holds part of; absent means none. Ascending by
   * (seq, fromFrag), disjoint, and no seq inside one of `ranges`.
   */
  readonly fragments?: readonly FragmentRange[];
}

/** RETRANSMIT: messages resent for NAKs, plus ranges the sender can no longer serve. */
export interface RetransmitFrame {
  readonly kind: 'retransmit';
  readonly sender: PeerId;
  /** Channel sequence over reliable unicast; 0 when sent once by multicast (unreliable). */
  readonly channelSeq: number;
  readonly messages: readonly WireMessage[];
  /** Ranges of a stream that are no longer held: the receiver reports them as data loss. */
  readonly unavailable: readonly UnavailableRange[];
}

/** A range of one stream the sender no longer holds. */
export interface UnavailableRange {
  readonly subject: string;
  readonly from: number;
  readonly to: number;
}

/** ACK: acknowledges reliable-unicast frames and reports stream positions for flow control. */
export interface AckFrame {
  readonly kind: 'ack';
  readonly sender: PeerId;
  /** The peer whose frames are acknowledged (whose streams the positions refer to). */
  readonly target: PeerId;
  /** Every channel sequence up to and including this one was received (0: none). */
  readonly cumulativeSeq: number;
  /** Channel sequences above `cumulativeSeq` that were also received. */
  readonly selective: readonly number[];
  /** Newest in-order sequence delivered per stream of `target`. */
  readonly positions: readonly StreamPosition[];
}

/** How far a receiver has consumed one stream of a sender. */
export interface StreamPosition {
  readonly subject: string;
  readonly seq: number;
}

/** ADVERT: a peer's subscriptions and unicast address (discovery and the receiver list). */
export interface AdvertFrame {
  readonly kind: 'advert';
  readonly sender: PeerId;
  /** Unicast listener address: IPv4 dotted quad. */
  readonly host: string;
  readonly port: number;
  /** Bits of {@link ADVERT_FLAGS}. */
  readonly flags: number;
  /**
   * Patterns `fromIndex .. fromIndex + patterns.length - 1` of the peer's pattern set (sorted,
   * distinct). A periodic advert carries the whole set when it is small and none of it otherwise;
   * an answer to a {@link PatternsRequestFrame} carries one page.
   */
  readonly patterns: readonly string[];
  /**
   * Version of the peer's pattern set: 1, 2, … per incarnation, one more on each change; 0 for an
   * unversioned advert, whose `patterns` are the whole set (then `setSize`, `setDigest` and
   * `fromIndex` are 0, `patterns.length` and 0). Default 0.
   */
  readonly setVersion?: number;
  /** Number of patterns in the set (version `setVersion`). Default `patterns.length`. */
  readonly setSize?: number;
  /** {@link patternSetDigest} of the set. Default 0. */
  readonly setDigest?: number;
  /** Index in the sorted set of `patterns[0]`. Default 0. */
  readonly fromIndex?: number;
}

/**
 * PATTERNS_REQUEST: asks the peer it is sent to (by unicast, to its advertised listener) for the
 * patterns of its set version `setVersion` from index `fromIndex` on; it answers with an ADVERT
 * page by unicast to where the request came from.
 */
export interface PatternsRequestFrame {
  readonly kind: 'patternsRequest';
  readonly sender: PeerId;
  /** The incarnation of the peer asked (its name is implied by the address it is sent to). */
  readonly targetIncarnation: number;
  readonly setVersion: number;
  readonly fromIndex: number;
}

/**
 * PATTERNS_DELTA: the change of a peer's pattern set from version `fromVersion` to `toVersion`
 * (pushed when it happens, and the answer to a {@link PatternsDeltaRequestFrame}). A listener
 * holding exactly `fromVersion` applies it; the result must have `setSize` patterns and digest
 * `setDigest`, else it fetches the whole set.
 */
export interface PatternsDeltaFrame {
  readonly kind: 'patternsDelta';
  readonly sender: PeerId;
  /** The version the change starts from (>= 1). */
  readonly fromVersion: number;
  /** The version it produces (> `fromVersion`). */
  readonly toVersion: number;
  /** Patterns in the set at `toVersion`. */
  readonly setSize: number;
  /** `patternSetDigest` of the set at `toVersion`. */
  readonly setDigest: number;
  /** Patterns in the set at `toVersion` and not at `fromVersion` (distinct). */
  readonly added: readonly string[];
  /** Patterns in the set at `fromVersion` and not at `toVersion` (distinct, none also added). */
  readonly removed: readonly string[];
}

/**
 * PATTERNS_DELTA_REQUEST: asks the peer it is sent to (by unicast, to its advertised listener)
 * for the change of its set from `fromVersion` (the version the asker holds) to its current one;
 * `toVersion` is the version the asker saw advertised. Answered by unicast to where it came from,
 * with a PATTERNS_DELTA, or with the first ADVERT page of the whole set when the peer no longer
 * has the change.
 */
export interface PatternsDeltaRequestFrame {
  readonly kind: 'patternsDeltaRequest';
  readonly sender: PeerId;
  /** The incarnation of the peer asked. */
  readonly targetIncarnation: number;
  readonly fromVersion: number;
  readonly toVersion: number;
}

/** Bits of {@link AdvertFrame.flags}. */
export const ADVERT_FLAGS = {
  /** The peer sends and listens by multicast (else unicast only). */
  multicast: 0x01,
  /** This advert was sent by unicast (to a seed peer or a known peer). */
  viaUnicast: 0x02,
  /**
   * The peer has just started and asks to be told at once who is there: every peer that hears
   * it answers with its own ADVERT (by multicast to a multicast solicit, by unicast to a unicast
   * one), at most once per `advertIntervalMs / 4` per soliciting peer.
   */
  solicit: 0x04,
} as const;

/** BYE: the peer is leaving; receivers release its streams' state. */
export interface ByeFrame {
  readonly kind: 'bye';
  readonly sender: PeerId;
  /**
   * Each of the sender's active streams as it ends (the entries of its last HEARTBEAT), so a
   * receiver learns the tail it will never get even when every last heartbeat was lost. Absent
   * means none (a decoded BYE with no entry has no `streams`). Many streams take several BYEs.
   */
  readonly streams?: readonly StreamInfo[];
}

/** Every frame of the protocol. */
export type Frame =
  | DataFrame
  | HeartbeatFrame
  | NakFrame
  | RetransmitFrame
  | AckFrame
  | AdvertFrame
  | ByeFrame
  | PatternsRequestFrame
  | PatternsDeltaFrame
  | PatternsDeltaRequestFrame;

/** The `kind` of a frame. */
export type FrameKind = Frame['kind'];

/** Same peer (name and incarnation). */
export function samePeer(a: PeerId, b: PeerId): boolean {
  return a.name === b.name && a.incarnation === b.incarnation;
}

/** A map key for a peer incarnation. */
export function peerKey(p: PeerId): string {
  return `${p.name}#${p.incarnation}`;
}

/** A map key for one stream: the sender's name (not incarnation: streams outlive restarts) and subject. */
export function streamKey(senderName: string, subject: string): string {
  return `${senderName}\u0000${subject}`;
}
