/**
 * Shape checks of the receiver's wire inputs: decoded frames are typed, but a core never trusts
 * a value it did not produce (NaN, negative, fractional or unsafe sequence numbers).
 */
import type { PeerId, StreamInfo, WireMessage } from '../../codecs/frame.js';

/** A sequence number: a safe integer >= 1. */
export function isSeq(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 1;
}

export function isPeer(p: PeerId): boolean {
  return typeof p === 'object' && p !== null && typeof p.name === 'string' && Number.isSafeInteger(p.incarnation);
}

export function isMessage(m: WireMessage): boolean {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.subject === 'string' &&
    isSeq(m.seq) &&
    Number.isInteger(m.flags) &&
    m.payload instanceof Uint8Array
  );
}

/** Consistent stream facts: `startSeq, lowSeq >= 1`, both at most `highSeq + 1`. */
export function isStreamInfo(i: StreamInfo): boolean {
  return (
    typeof i === 'object' &&
    i !== null &&
    typeof i.subject === 'string' &&
    isSeq(i.startSeq) &&
    isSeq(i.lowSeq) &&
    Number.isSafeInteger(i.highSeq) &&
    i.lowSeq <= i.highSeq + 1 &&
    i.startSeq <= i.highSeq + 1
  );
}
