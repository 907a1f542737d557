import { describe, it, expect } from 'vitest';
import { packByes, packHeartbeats, packRetransmit } from '../../../actors/retransmit/frame-packer.js';
import { MESSAGE_FLAGS, type StreamInfo, type UnavailableRange, type WireMessage } from '../../../codecs/frame.js';
import { decodeFrame, encodedSize, encodeFrame } from '../../../codecs/frame-codec.js';

const P = { name: 'pub', incarnation: 2 };
const streams: StreamInfo[] = Array.from({ length: 30 }, (_, i) => ({ subject: `s.${'y'.repeat(i + 1)}`, startSeq: 1 + i, lowSeq: 1 + i, highSeq: 10 * i + i, ageMs: i }));

describe('packHeartbeats and packByes', () => {
  it('pack stream entries in order into frames that each fit the datagram, as many as needed', () => {
    for (const maxBytes of [100, 512, 1400, 65_507]) {
      for (const frames of [packHeartbeats(P, streams, maxBytes), packByes(P, streams, maxBytes)]) {
        for (const f of frames) {
          const bytes = encodeFrame(f);
          // An entry too large for the datagram goes alone in its frame.
          if (f.streams!.length > 1) expect(bytes.length).toBeLessThanOrEqual(maxBytes);
          expect(decodeFrame(bytes)).toEqual({ ok: true, frame: f });
        }
        expect(frames.flatMap((f) => f.streams ?? [])).toEqual(streams);
      }
    }
  });

  it('split BYE entries exactly as heartbeat entries (the bodies are the same)', () => {
    const hb = packHeartbeats(P, streams, 600);
    expect(hb.length).toBeGreaterThan(1);
    expect(packByes(P, streams, 600).map((f) => f.streams)).toEqual(hb.map((f) => f.streams));
  });

  it('give no heartbeat for no stream, but always one BYE, naming none', () => {
    expect(packHeartbeats(P, [], 1400)).toEqual([]);
    expect(packByes(P, [], 1400)).toEqual([{ kind: 'bye', sender: P }]);
  });
});

describe('packRetransmit', () => {
  const msg = (i: number): WireMessage => {
    const subject = `r.${'s'.repeat(1 + (i % 3))}`;
    const payload = new Uint8Array(1 + ((i * 37) % 300)).fill(i & 0xff);
    if (i % 5 === 4) return { subject, seq: i, flags: MESSAGE_FLAGS.fragment | MESSAGE_FLAGS.firstFragment, payload, fragIndex: 0, fragCount: 3 };
    return i % 7 === 6 ? { subject, seq: i, flags: 0, payload, replyTo: 'reply.to' } : { subject, seq: i, flags: 0, payload };
  };
  const messages = Array.from({ length: 120 }, (_, i) => msg(i + 1));
  const unavailable: UnavailableRange[] = Array.from({ length: 9 }, (_, i) => ({ subject: `r.${'s'.repeat(1 + (i % 2))}`, from: 1000 + 10 * i, to: 1004 + 10 * i }));

  it('packs in order into frames of at most maxBytes, each as full as the next item allows (sizes as the codec measures them)', () => {
    for (const maxBytes of [400, 1400, 8192]) {
      const parts = packRetransmit(P, messages, unavailable, maxBytes);
      expect(parts.flatMap((p) => p.messages)).toEqual(messages);
      expect(parts.flatMap((p) => p.unavailable)).toEqual(unavailable);
      const frameOf = (p: { messages: WireMessage[]; unavailable: UnavailableRange[] }) => ({ kind: 'retransmit' as const, sender: P, channelSeq: 1, ...p });
      for (let i = 0; i < parts.length; i++) {
        const f = frameOf(parts[i]);
        expect(encodedSize(f)).toBeLessThanOrEqual(maxBytes);
        expect(decodeFrame(encodeFrame(f))).toEqual({ ok: true, frame: f });
        // Greedy: the next frame's first item did not fit this one.
        const next = parts[i + 1];
        if (next === undefined) continue;
        const grown = next.messages.length > 0
          ? { messages: [...parts[i].messages, next.messages[0]], unavailable: parts[i].unavailable }
          : { messages: parts[i].messages, unavailable: [...parts[i].unavailable, next.unavailable[0]] };
        expect(encodedSize(frameOf(grown))).toBeGreaterThan(maxBytes);
      }
    }
  });

  it('refuses what the codec refuses', () => {
    expect(() => packRetransmit(P, [{ subject: 'bad..subject', seq: 1, flags: 0, payload: new Uint8Array(1) }], [], 1400)).toThrow(RangeError);
    expect(() => packRetransmit(P, [{ subject: 'a', seq: 0, flags: 0, payload: new Uint8Array(1) }], [], 1400)).toThrow(RangeError);
    expect(() => packRetransmit(P, [], [{ subject: 'a', from: 5, to: 4 }], 1400)).toThrow(RangeError);
  });
});
