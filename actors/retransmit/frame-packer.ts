/**
 * Splits what the retransmit actor sends (RETRANSMIT contents, HEARTBEAT streams, ACK positions,
 * NAK ranges), and the final stream entries the receivers actor sends in BYE, into frames that
 * each fit one datagram of `maxBytes`.
 *
 * Pure: sizes come from the codec's `encodedSize` (one call per item, so packing is linear), and
 * nothing here reads a clock or does I/O. An item that does not fit a datagram on its own goes
 * alone in its frame (the socket actor then refuses and counts it); the sender fragments messages
 * so that one always fits (`maxPayloadPerDatagram`).
 */
import type {
  AckFrame,
  ByeFrame,
  FragmentRange,
  HeartbeatFrame,
  PeerId,
  SeqRange,
  StreamInfo,
  StreamPosition,
  UnavailableRange,
  WireMessage,
} from '../../codecs/frame.js';
import { MAX_FRAGMENT_COUNT } from '../../codecs/frame.js';
import { encodedSize } from '../../codecs/frame-codec.js';
import { MAX_ACK_SELECTIVE } from '../../codecs/frames/ack.js';
import { measureMessage } from '../../codecs/frames/message-record.js';
import { UNAVAILABLE_ENTRY_LENGTH } from '../../codecs/frames/retransmit.js';
import { assertSeq, assertWireSubject } from '../../codecs/wire-primitives.js';
import { streamEntryLength } from '../../codecs/frames/heartbeat.js';
import { FRAGMENT_RANGE_LENGTH, MAX_NAK_RANGES, SEQ_RANGE_LENGTH } from '../../codecs/frames/nak.js';
import type { AckState } from './inbound-channel.js';

/** The contents of one RETRANSMIT frame. */
export interface RetransmitPart {
  readonly messages: WireMessage[];
  readonly unavailable: UnavailableRange[];
}

/** Bytes of one subject-table entry of a RETRANSMIT frame. */
function tableEntry(subject: string): number {
  return 1 + subject.length;
}

/**
 * Packs messages, then unavailable ranges, in order, into as few RETRANSMIT frames as fit
 * `maxBytes` each (greedy). Throws a RangeError on a message the codec refuses (a caller bug).
 *
 * An item's cost is its record's size ({@link measureMessage}, which validates it as the codec
 * does) or an unavailable entry's, plus its subject's table entry the first time a frame uses it:
 * the frame's size by the layout of codecs/frames/retransmit.ts. (Measuring a whole trial frame
 * per message, as before, cost about 4 µs per resent message: a third of serving a NAK.)
 */
export function packRetransmit(
  sender: PeerId,
  messages: readonly WireMessage[],
  unavailable: readonly UnavailableRange[],
  maxBytes: number,
): RetransmitPart[] {
  const empty = { kind: 'retransmit', sender, channelSeq: 0, messages: [], unavailable: [] } as const;
  const base = encodedSize(empty);
  const parts: RetransmitPart[] = [];
  let current: RetransmitPart = { messages: [], unavailable: [] };
  let size = base;
  let subjects = new Set<string>();
  /** Subjects validated once for the whole call (the codec checks each frame's table). */
  const valid = new Set<string>();
  const place = (subject: string, cost: number): void => {
    if (!valid.has(subject)) {
      assertWireSubject(subject, false, 'retransmit subject');
      valid.add(subject);
    }
    const withTable = cost + (subjects.has(subject) ? 0 : tableEntry(subject));
    if (size > base && size + withTable > maxBytes) {
      parts.push(current);
      current = { messages: [], unavailable: [] };
      size = base;
      subjects = new Set();
    }
    size += cost + (subjects.has(subject) ? 0 : tableEntry(subject));
    subjects.add(subject);
  };
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    place(m.subject, measureMessage(m, 0, 'retransmit'));
    current.messages.push(m);
  }
  for (let i = 0; i < unavailable.length; i++) {
    const u = unavailable[i];
    assertSeq(u.from, 1, 'retransmit.unavailable[0].from');
    assertSeq(u.to, u.from, 'retransmit.unavailable[0].to');
    place(u.subject, UNAVAILABLE_ENTRY_LENGTH);
    current.unavailable.push(u);
  }
  if (current.messages.length > 0 || current.unavailable.length > 0) parts.push(current);
  return parts;
}

/**
 * Packs stream infos, in order, into as few frames of at most `maxBytes` each as fit (none for
 * none). An entry's size is {@link streamEntryLength} (linear, no trial encoding per entry).
 */
function packStreamInfos<F extends HeartbeatFrame | ByeFrame>(
  streams: readonly StreamInfo[],
  maxBytes: number,
  frameOf: (streams: StreamInfo[]) => F,
): F[] {
  const base = encodedSize(frameOf([]));
  const frames: F[] = [];
  let current: StreamInfo[] = [];
  let size = base;
  for (const s of streams) {
    const cost = streamEntryLength(s);
    if (current.length > 0 && size + cost > maxBytes) {
      frames.push(frameOf(current));
      current = [];
      size = base;
    }
    current.push(s);
    size += cost;
  }
  if (current.length > 0) frames.push(frameOf(current));
  return frames;
}

/** Packs stream infos into HEARTBEAT frames of at most `maxBytes` each. */
export function packHeartbeats(sender: PeerId, streams: readonly StreamInfo[], maxBytes: number): HeartbeatFrame[] {
  return packStreamInfos(streams, maxBytes, (list) => ({ kind: 'heartbeat', sender, streams: list }));
}

/**
 * Packs the final entries of a closing peer's streams into BYE frames of at most `maxBytes`
 * each: always at least one, without `streams` when there is none.
 */
export function packByes(sender: PeerId, streams: readonly StreamInfo[], maxBytes: number): ByeFrame[] {
  const frames = packStreamInfos(streams, maxBytes, (list): ByeFrame => (list.length === 0 ? { kind: 'bye', sender } : { kind: 'bye', sender, streams: list }));
  return frames.length === 0 ? [{ kind: 'bye', sender }] : frames;
}

/**
 * ACK frames to `target` carrying `ack` and `positions`, each at most `maxBytes`: the first one
 * carries the selective list (at most what fits and the codec allows), every one carries the
 * cumulative point, and the positions are spread over as many frames as needed (always at least
 * one frame). Positions whose subject repeats keep the last; invalid ones are skipped.
 */
export function packAcks(
  sender: PeerId,
  target: PeerId,
  ack: AckState,
  positions: readonly StreamPosition[],
  maxBytes: number,
): AckFrame[] {
  const empty: AckFrame = { kind: 'ack', sender, target, cumulativeSeq: ack.cumulativeSeq, selective: [], positions: [] };
  const base = encodedSize(empty);
  const room = Math.max(0, Math.floor((maxBytes - base) / 8));
  const selective = ack.selective.slice(0, Math.min(MAX_ACK_SELECTIVE, room));
  const unique = new Map<string, StreamPosition>();
  for (const p of positions) unique.set(p.subject, p);
  const frames: AckFrame[] = [];
  let current: StreamPosition[] = [];
  let firstFrame = true;
  let size = encodedSize({ ...empty, selective });
  for (const p of unique.values()) {
    let cost: number;
    try {
      cost = encodedSize({ ...empty, positions: [p] }) - base;
    } catch {
      continue; // not encodable (bad subject or seq): our receiver never sends one, but never throw for it
    }
    if (current.length > 0 && size + cost > maxBytes) {
      frames.push({ ...empty, selective: firstFrame ? selective : [], positions: current });
      firstFrame = false;
      current = [];
      size = base;
    }
    current.push(p);
    size += cost;
  }
  frames.push({ ...empty, selective: firstFrame ? selective : [], positions: current });
  return frames;
}

/**
 * Splits a NAK's range list (ascending, disjoint, `from >= 1`) into chunks that each fit one NAK
 * frame of at most `maxBytes` (and the codec's range limit).
 */
export function splitNakRanges(
  sender: PeerId,
  target: PeerId,
  subject: string,
  ranges: readonly SeqRange[],
  maxBytes: number,
): SeqRange[][] {
  if (ranges.length === 0) return [];
  const oneRange = encodedSize({ kind: 'nak', sender, channelSeq: 1, target, subject, ranges: [ranges[0]] });
  const perFrame = Math.max(1, Math.min(MAX_NAK_RANGES, 1 + Math.floor((maxBytes - oneRange) / SEQ_RANGE_LENGTH)));
  const chunks: SeqRange[][] = [];
  for (let i = 0; i < ranges.length; i += perFrame) chunks.push(ranges.slice(i, i + perFrame));
  return chunks;
}

/**
 * Splits a NAK's fragment ranges (ascending by (seq, fromFrag), disjoint) into chunks that each
 * fit one NAK frame of at most `maxBytes` with no whole range (and the codec's limit).
 */
export function splitNakFragments(
  sender: PeerId,
  target: PeerId,
  subject: string,
  fragments: readonly FragmentRange[],
  maxBytes: number,
): FragmentRange[][] {
  if (fragments.length === 0) return [];
  const one = encodedSize({ kind: 'nak', sender, channelSeq: 1, target, subject, ranges: [], fragments: [fragments[0]] });
  const perFrame = Math.max(1, Math.min(MAX_NAK_RANGES, 1 + Math.floor((maxBytes - one) / FRAGMENT_RANGE_LENGTH)));
  const chunks: FragmentRange[][] = [];
  for (let i = 0; i < fragments.length; i += perFrame) chunks.push(fragments.slice(i, i + perFrame));
  return chunks;
}

/** Our receiver's fragment ranges as the codec accepts them (it builds them so; a bug must not throw). */
export function validFragments(fragments: readonly FragmentRange[]): FragmentRange[] {
  const sorted = fragments
    .filter((f) => Number.isSafeInteger(f.seq) && f.seq >= 1 && Number.isInteger(f.fromFrag) && f.fromFrag >= 0 && f.toFrag >= f.fromFrag && f.toFrag < MAX_FRAGMENT_COUNT)
    .sort((a, b) => a.seq - b.seq || a.fromFrag - b.fromFrag);
  const out: FragmentRange[] = [];
  for (const f of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.seq === f.seq && f.fromFrag <= last.toFrag + 1) {
      if (f.toFrag > last.toFrag) out[out.length - 1] = { seq: f.seq, fromFrag: last.fromFrag, toFrag: f.toFrag };
    } else out.push(f);
  }
  return out;
}
