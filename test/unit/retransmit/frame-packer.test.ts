import { describe, it, expect } from 'vitest';
import { packByes, packHeartbeats } from '../../../actors/retransmit/frame-packer.js';
import type { StreamInfo } from '../../../codecs/frame.js';
import { decodeFrame, encodeFrame } from '../../../codecs/frame-codec.js';

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
