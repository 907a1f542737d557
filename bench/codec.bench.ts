// Wire codec micro-benchmarks: DATA datagrams of about 8 KB packed with 64-byte messages.
// Messages per second = ops/s (hz) x the messages-per-datagram figure in each bench name.
// Run: npx vitest bench --run bench/codec.bench.ts

import { bench, describe } from 'vitest';
import { DataBatchBuilder } from '../codecs/data-batch.js';
import type { DataFrame, WireMessage } from '../codecs/frame.js';
import { decodeFrame, encodeFrame, encodeFrameInto } from '../codecs/frame-codec.js';
import { decodePayload, encodePayload } from '../codecs/payload-codec.js';

const MAX_DATAGRAM_BYTES = 8192;
/** Longer runs than the default: on a shared 2-core machine short runs are dominated by noise. */
const OPTIONS = { time: 1500, warmupTime: 300 };
const PAYLOAD_BYTES = 64;
const sender = { name: 'bench-publisher-01', incarnation: 0x1234_5678 };
const payload = new Uint8Array(PAYLOAD_BYTES).fill(0x5a);

/** Messages on `subjects` (round robin) until one datagram is full. */
function fullBatch(subjects: readonly string[]): { messages: WireMessage[]; datagram: Uint8Array } {
  const builder = new DataBatchBuilder({ sender, maxDatagramBytes: MAX_DATAGRAM_BYTES });
  const messages: WireMessage[] = [];
  const seqs = subjects.map(() => 1_000_000);
  for (let i = 0; ; i++) {
    const s = i % subjects.length;
    const m: WireMessage = { subject: subjects[s], seq: seqs[s]++, flags: 0, payload };
    if (!builder.tryAdd(m, 1)) break;
    messages.push(m);
  }
  return { messages, datagram: builder.finish() };
}

for (const subjects of [['md.equities.XNAS.AAPL'], ['md.eq.AAPL', 'md.eq.MSFT', 'md.eq.GOOG', 'md.eq.AMZN']]) {
  const { messages, datagram } = fullBatch(subjects);
  const n = messages.length;
  const decoded = decodeFrame(datagram);
  if (!decoded.ok) throw new Error(`bench setup: ${decoded.reason}`);
  const frame = decoded.frame as DataFrame;
  const builder = new DataBatchBuilder({ sender, maxDatagramBytes: MAX_DATAGRAM_BYTES });
  const target = new Uint8Array(MAX_DATAGRAM_BYTES);
  const label = `${subjects.length} subject(s), ${n} x ${PAYLOAD_BYTES} B messages, ${datagram.length} B datagram`;
  let seq = 1_000_000;

  describe(`DATA ${label}`, () => {
    bench(`encode: DataBatchBuilder tryAdd x${n} + finish (new buffer)`, () => {
      for (let i = 0; i < n; i++) {
        const m = messages[i];
        builder.tryAddFields(m.subject, seq++, 0, payload, 1);
      }
      builder.finish();
    }, OPTIONS);

    bench(`encode: DataBatchBuilder tryAdd x${n} + finishInto (reused buffer)`, () => {
      for (let i = 0; i < n; i++) {
        const m = messages[i];
        builder.tryAddFields(m.subject, seq++, 0, payload, 1);
      }
      builder.finishInto(target, 0);
    }, OPTIONS);

    bench(`encode: encodeFrameInto (${n} msgs, frame object prebuilt)`, () => {
      encodeFrameInto(target, 0, frame);
    }, OPTIONS);

    bench(`encode: encodeFrame (${n} msgs, new buffer)`, () => {
      encodeFrame(frame);
    }, OPTIONS);

    bench(`decode: decodeFrame (${n} msgs, payload views)`, () => {
      const r = decodeFrame(datagram);
      if (!r.ok) throw new Error(r.reason);
    }, OPTIONS);
  });
}

describe('payload codec, one small object', () => {
  const value = { symbol: 'AAPL', bid: 189.32, ask: 189.35, bidSize: 300, askSize: 200, ts: 1_700_000_000_123 };
  const { flags, payload: packed } = encodePayload(value);
  bench(`encodePayload msgpack (${packed.length} B)`, () => {
    encodePayload(value);
  }, OPTIONS);
  bench(`decodePayload msgpack (${packed.length} B)`, () => {
    decodePayload(flags, packed);
  }, OPTIONS);
});
