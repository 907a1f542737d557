/**
 * What the receiving side of a run counts, for the engine's consumer and for zone B's subscriber
 * alike: every message carries its index (bytes 0..3, u32 LE) and, in paced runs, the wall-clock
 * time it was scheduled at (bytes 8..15, float64 LE, performance.timeOrigin + performance.now()
 * in ms: comparable across processes of one machine). Each index must arrive once.
 */
import { performance } from 'node:perf_hooks';

/** Wall clock in ms with sub-ms resolution, comparable between processes of this machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

/** Writes index and (optionally) the scheduled time into a fresh payload of `size` bytes. */
export function makePayload(size, index, scheduledMs) {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, index, true);
  if (scheduledMs !== undefined) v.setFloat64(8, scheduledMs, true);
  return b;
}

export class Receipts {
  constructor({ size, latency = false, warmupMs = 0, capacity = 4_000_000 }) {
    this.size = size;
    this.latency = latency;
    this.seen = new Uint8Array(capacity);
    this.unique = 0;
    this.received = 0;
    this.duplicates = 0;
    this.badLength = 0;
    this.outOfRange = 0;
    this.firstMs = 0;
    this.lastMs = 0;
    this.samples = latency ? new Float64Array(capacity) : undefined;
    this.nSamples = 0;
    this.latencyFromMs = 0;
    this.warmupMs = warmupMs;
  }

  /** Waits until `sent` distinct messages came, none came for `idleMs`, or `maxMs` passed. */
  async settled(sent, idleMs, maxMs) {
    const t0 = Date.now();
    let lastUnique = -1;
    let lastChange = Date.now();
    while (this.unique < sent && Date.now() - t0 < maxMs) {
      if (this.unique !== lastUnique) {
        lastUnique = this.unique;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > idleMs) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Counts one payload (`bytes`, a Uint8Array) received now. */
  add(bytes) {
    const now = wallMs();
    if (this.received === 0) {
      this.firstMs = now;
      this.latencyFromMs = now + this.warmupMs;
    }
    this.lastMs = now;
    this.received++;
    if (bytes.byteLength !== this.size) {
      this.badLength++;
      return;
    }
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const i = v.getUint32(0, true);
    if (i >= this.seen.length) {
      this.outOfRange++;
      return;
    }
    if (this.seen[i] !== 0) {
      this.duplicates++;
      return;
    }
    this.seen[i] = 1;
    this.unique++;
    if (this.latency && now >= this.latencyFromMs) this.samples[this.nSamples++] = now - v.getFloat64(8, true);
  }

  /** Indexes below `sent` never received. */
  missing(sent) {
    let n = 0;
    for (let i = 0; i < sent && i < this.seen.length; i++) if (this.seen[i] === 0) n++;
    return n;
  }

  summary(sent) {
    const spanSec = (this.lastMs - this.firstMs) / 1000;
    const out = {
      received: this.received,
      unique: this.unique,
      duplicates: this.duplicates,
      badLength: this.badLength,
      outOfRange: this.outOfRange,
      missing: this.missing(sent),
      firstToLastSec: spanSec,
      msgsPerSec: spanSec > 0 ? (this.received - 1) / spanSec : NaN,
    };
    if (this.latency) out.latencyMs = percentiles(this.samples.subarray(0, this.nSamples));
    return out;
  }
}

/** p50 / p99 / p99.9 / max (ms) and the sample count. */
export function percentiles(samples) {
  const s = Float64Array.from(samples).sort();
  const at = (q) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]);
  return { n: s.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: s.length ? s[s.length - 1] : NaN };
}
