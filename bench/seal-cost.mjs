// Cost of sealing and opening one DATA datagram (issue 11): DomainSeal in MAC mode (Poly1305) and
// in AEAD mode (AES-256-GCM), for a 1 KB and an 8 KB frame, 20,000 times each, twice.
// Run after `npm run build`: node bench/seal-cost.mjs
import { DomainSeal } from '../dist/actors/socket/domain-seal.js';
import { randomBytes } from 'node:crypto';
import { encodeFrame } from '../dist/codecs/index.js';
const key = randomBytes(32);
for (const encrypt of [false, true]) {
  const sec = { key, encrypt, maxClockSkewMs: 120000 };
  const a = new DomainSeal(sec, { name: 'a', incarnation: 1 }, () => Date.now());
  const b = new DomainSeal(sec, { name: 'b', incarnation: 1 }, () => Date.now());
  for (const size of [1000, 8000]) {
    const frame = encodeFrame({ kind: 'data', sender: { name: 'a', incarnation: 1 }, streams: [{ subject: 'x', startSeq: 1 }], messages: [{ subject: 'x', seq: 1, flags: 0, payload: randomBytes(size - 60) }] });
    for (let r = 0; r < 2; r++) {
      const N = 20000; let ts = 0n, to = 0n;
      for (let i = 0; i < N; i++) {
        const t0 = process.hrtime.bigint(); const parts = a.seal(frame); const t1 = process.hrtime.bigint();
        const buf = Buffer.concat(parts); const t2 = process.hrtime.bigint(); const o = b.open(buf); const t3 = process.hrtime.bigint();
        if (!o.ok) throw new Error(o.reason);
        ts += t1 - t0; to += t3 - t2;
      }
      console.log(encrypt ? 'AEAD' : 'MAC ', frame.length, 'B: seal', (Number(ts) / 1000 / N).toFixed(2), 'µs, open', (Number(to) / 1000 / N).toFixed(2), 'µs');
    }
  }
}
