import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Ring } from '../../../runtime/ring.js';
import type { RingConsumerReport } from '../../../runtime/testing/ring-consumer-worker.js';

const CONSUMER_WORKER = new URL('../../../dist/runtime/testing/ring-consumer-worker.js', import.meta.url);

function record(seq: number, length: number): Uint8Array {
  const r = new Uint8Array(length).fill(seq & 0xff);
  new DataView(r.buffer).setUint32(0, seq, true);
  return r;
}

function readAll(ring: Ring): Uint8Array[] {
  const out: Uint8Array[] = [];
  ring.read((bytes, offset, length) => {
    out.push(bytes.slice(offset, offset + length));
  });
  return out;
}

describe('Ring (one thread)', () => {
  it('delivers records of varying sizes in order across many wrap-arounds', () => {
    const ring = Ring.create(256);
    let written = 0;
    let read = 0;
    for (let round = 0; round < 2000; round++) {
      // Write until full, publish, then read part or all: exercises padding at every offset.
      while (ring.tryWrite(record(written, 4 + ((written * 7) % 61)))) written++;
      ring.publish();
      ring.read((bytes, offset, length) => {
        const seq = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, true);
        expect(seq).toBe(read);
        expect(length).toBe(4 + ((read * 7) % 61));
        if (length > 4) expect(bytes[offset + length - 1]).toBe(read & 0xff);
        read++;
      }, 1 + (round % 5));
    }
    ring.publish();
    read += readAll(ring).length;
    expect(read).toBe(written);
    expect(written).toBeGreaterThan(5000);
  });

  it('refuses a record when full and accepts it again once the consumer has read', () => {
    const ring = Ring.create(64);
    expect(ring.tryWrite(new Uint8Array(28))).toBe(true); // 32 bytes with its length
    expect(ring.tryWrite(new Uint8Array(28))).toBe(true);
    expect(ring.tryWrite(new Uint8Array(0))).toBe(false);
    expect(ring.counters.fullRefusals).toBe(1);
    ring.publish();
    expect(ring.read(() => undefined, 1)).toBe(1);
    expect(ring.tryWrite(new Uint8Array(28))).toBe(true);
  });

  it('reports an empty ring as zero records read', () => {
    const ring = Ring.create(64);
    expect(ring.read(() => undefined)).toBe(0);
    expect(ring.usedBytes).toBe(0);
  });

  it('keeps records invisible to the consumer until publish', () => {
    const ring = Ring.create(64);
    ring.tryWrite(new Uint8Array([1, 2, 3]));
    expect(ring.hasUnpublished).toBe(true);
    expect(readAll(ring)).toEqual([]);
    ring.publish();
    expect(readAll(ring)).toEqual([new Uint8Array([1, 2, 3])]);
  });

  it('fits a record larger than half the ring by padding the tail first', () => {
    const ring = Ring.create(64);
    ring.tryWrite(new Uint8Array(12)); // offset 0..16
    ring.publish();
    readAll(ring);
    // 60 bytes with its length: cannot fit at offset 16 and needs the whole ring.
    const big = new Uint8Array(56).fill(9);
    expect(ring.tryWrite(big)).toBe(false); // pads 16..64, but the pad is still unread
    ring.publish();
    expect(readAll(ring)).toEqual([]); // the consumer skips the pad
    expect(ring.tryWrite(big)).toBe(true);
    ring.publish();
    expect(readAll(ring)).toEqual([big]);
    expect(ring.maxRecordBytes).toBe(60);
  });

  it('throws PayloadTooLargeError for a record larger than the ring', () => {
    const ring = Ring.create(64);
    expect(() => ring.tryWrite(new Uint8Array(61))).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_TOO_LARGE' }));
    expect(() => ring.whenWritable(61)).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_TOO_LARGE' }));
  });

  it('leaves the record a handler refuses in the ring for the next read', () => {
    const ring = Ring.create(64);
    for (const b of [1, 2, 3]) ring.tryWrite(new Uint8Array([b]));
    ring.publish();
    const seen: number[] = [];
    expect(ring.read((bytes, offset) => (bytes[offset] === 2 ? false : void seen.push(bytes[offset])))).toBe(1);
    expect(ring.read((bytes, offset) => void seen.push(bytes[offset]))).toBe(2);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('keeps working when its free-running indices wrap past 2^32', () => {
    const buffer = new SharedArrayBuffer(Ring.HEADER_BYTES + 64);
    const header = new Int32Array(buffer, 0, 32);
    header[0] = -40; // write index 2^32 - 40
    header[16] = -40; // read index
    const ring = new Ring(buffer);
    let written = 0;
    let read = 0;
    for (let i = 0; i < 20; i++) {
      expect(ring.tryWrite(record(written, 8 + (i % 3) * 4))).toBe(true);
      written++;
      ring.publish();
      ring.read((bytes, offset) => {
        expect(new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, true)).toBe(read++);
      });
    }
    expect(read).toBe(20);
    expect(header[0] >>> 0).toBeLessThan(1000); // it did wrap
  });

  it('wakes a consumer waiting on an empty ring when the producer publishes', async () => {
    const ring = Ring.create(64);
    let woke = false;
    const waiting = ring.whenReadable().then(() => (woke = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(woke).toBe(false);
    ring.tryWrite(new Uint8Array([7]));
    ring.publish();
    await waiting;
    expect(ring.counters.consumerWakes).toBe(1);
  });

  it('does not notify a consumer that is not asleep', () => {
    const ring = Ring.create(64);
    for (let i = 0; i < 3; i++) {
      ring.tryWrite(new Uint8Array([i]));
      ring.publish();
    }
    expect(ring.counters.publishes).toBe(3);
    expect(ring.counters.consumerWakes).toBe(0);
  });

  it('resolves whenWritable once the consumer frees room', async () => {
    const ring = Ring.create(64);
    while (ring.tryWrite(new Uint8Array(12)));
    let writable = false;
    const waiting = ring.whenWritable(12).then(() => (writable = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(writable).toBe(false); // whenWritable published, but nothing was read yet
    expect(ring.read(() => undefined, 1)).toBe(1);
    await waiting;
    expect(ring.tryWrite(new Uint8Array(12))).toBe(true);
  });

  it('wakes both sides on close: the consumer returns, a waiting producer gets PeerClosedError', async () => {
    const ring = Ring.create(64);
    const consumer = ring.whenReadable();
    while (ring.tryWrite(new Uint8Array(12)));
    const producer = ring.whenWritable(12);
    ring.close();
    await consumer;
    await expect(producer).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
    expect(ring.closed).toBe(true);
  });
});

describe('Ring (across a worker thread)', () => {
  it('carries 1,000,000 small records to a worker in order without loss', async () => {
    const ring = Ring.create(64 * 1024); // small: forces many wraps, full rings and waits
    const worker = new Worker(CONSUMER_WORKER, { workerData: { mode: 'verify', buffer: ring.buffer } });
    const total = 1_000_000;
    const report = new Promise<RingConsumerReport>((resolve) => worker.once('message', resolve));
    worker.postMessage({ kind: 'expect', total });
    for (let seq = 0; seq < total; seq++) {
      const length = 4 + (seq % 29);
      let off = ring.tryClaim(length);
      while (off < 0) {
        await ring.whenWritable(length);
        off = ring.tryClaim(length);
      }
      const bytes = ring.bytes;
      bytes[off] = seq & 0xff;
      bytes[off + 1] = (seq >>> 8) & 0xff;
      bytes[off + 2] = (seq >>> 16) & 0xff;
      bytes[off + 3] = seq >>> 24;
      bytes.fill(seq & 0xff, off + 4, off + length);
      if (seq % 256 === 255) ring.publish(); // batches of 256 records
    }
    ring.publish();
    const result = await report;
    worker.postMessage({ kind: 'stop' });
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(result).toEqual({ kind: 'reached', count: total, errors: 0 });
    expect(ring.counters.producerSleeps).toBeGreaterThan(0); // the ring did fill up
    expect(ring.counters.publishes).toBeLessThan(total / 100);
  });
});
