/**
 * The importer's consumer (re)start, against stand-ins for the JetStream client: what a NATS
 * node killed mid-stream does to it (the stream's leader gone, requests timing out, the lease
 * lost while the consumer starts again). Found in CI: the stream leader of a 3-node cluster
 * SIGKILLed, zone B stopped at 1,730 of 3,000 for good (bridge-zones.test.ts).
 */
import { headers } from '@nats-io/transport-node';
import { describe, expect, it, vi } from 'vitest';
import { decodeLossMarker, decodeOriginMarker } from '../../../actors/app/origin.js';
import { ImportProgress } from '../../../bridge/import-progress.js';
import { Importer, type ImporterCounters } from '../../../bridge/importer.js';
import { HEADERS } from '../../../bridge/naming.js';
import { resolveBridgeSettings, type ResolvedBridgeOptions } from '../../../bridge/options.js';

function counters(): ImporterCounters {
  return { imported: 0, filtered: 0, redelivered: 0, malformed: 0, caughtUp: 0, tooLarge: 0, losses: 0, restarts: 0, ackConfirms: 0, sameDomain: 0 };
}

/** A stored message of zone A's stream: origin sender pubA, incarnation 1, origin seq = stream seq. */
function stored(seq: number): { subject: string; data: Uint8Array; header: ReturnType<typeof headers> } {
  const h = headers();
  h.set(HEADERS.sender, 'pubA');
  h.set(HEADERS.incarnation, '1');
  h.set(HEADERS.seq, String(seq));
  return { subject: 'lc.A.k.a', data: new Uint8Array([seq]), header: h };
}

/** Consumer info: `delivered` stream seqs delivered (and consumer seqs as many), none acknowledged. */
function info(delivered: number): unknown {
  return { num_pending: 0, delivered: { stream_seq: delivered, consumer_seq: delivered }, ack_floor: { stream_seq: 0, consumer_seq: 0 } };
}

/** A consumer's messages that end only when stopped (a healthy consumer with nothing to deliver). */
function idleMessages(): { stop: () => void; closed: () => Promise<void>; status: () => AsyncIterable<never> } {
  let ended!: () => void;
  const closed = new Promise<void>((r) => (ended = r));
  return {
    stop: () => ended(),
    closed: () => closed,
    status: () => ({ [Symbol.asyncIterator]: () => ({ next: () => closed.then(() => ({ done: true as const, value: undefined as never })) }) }),
  };
}

function setUp(getMessage: (seq: number) => Promise<unknown>, consumersGet: () => Promise<unknown>) {
  const published: { subject: string; replyTo: string | undefined }[] = [];
  const peer = { publish: vi.fn((subject: string, _data: unknown, o: { replyTo?: string }) => (published.push({ subject, replyTo: o.replyTo }), Promise.resolve())) };
  const o = { ...resolveBridgeSettings({ zone: 'B', import: ['k.>'], importFrom: ['A'], retryDelayMs: 10, lagCheckIntervalMs: 0 }), peer, nats: {} } as unknown as ResolvedBridgeOptions;
  const nc = {
    request: () => Promise.resolve(),
    status: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }), stop: () => undefined }),
  };
  const jsm = {
    consumers: { add: () => Promise.resolve({}), info: () => Promise.resolve(info(3)) },
    streams: { getMessage: (_stream: string, q: { seq: number }) => getMessage(q.seq) },
  };
  const js = { consumers: { get: consumersGet } };
  const errors: Error[] = [];
  const c = counters();
  const importer = new Importer(o, nc as never, js as never, jsm as never, c, new ImportProgress(), new Map(), (e) => errors.push(e));
  return { importer, published, errors, counters: c };
}

describe('importer (re)start', () => {
  it('closed while it starts its consumer: close() ends (the bridge can start importing again)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const messages = idleMessages();
    const consumer = { consume: () => Promise.resolve(messages) };
    // consumers.get answers only after close() began, as a request slowed by a NATS node's death would.
    const { importer } = setUp((seq) => Promise.resolve(stored(seq)), () => gate.then(() => consumer));
    await importer.start();
    await vi.waitFor(() => expect(importer.zones.has('A')).toBe(true));
    await new Promise((r) => setTimeout(r, 20)); // the catch-up is done; consumers.get waits at the gate
    const closing = importer.close();
    release();
    const outcome = await Promise.race([closing.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still waiting after 2 s'), 2000))]);
    expect(outcome).toBe('closed');
  });

  it('a stored message that cannot be read now (the stream without a leader) is read again, not skipped and reported lost', async () => {
    let failures = 1;
    const getMessage = (seq: number): Promise<unknown> => {
      if (seq === 2 && failures > 0) {
        failures--;
        return Promise.reject(new Error('TIMEOUT'));
      }
      return Promise.resolve(stored(seq));
    };
    const consumer = { consume: () => Promise.resolve(idleMessages()) };
    const { importer, published, errors } = setUp(getMessage, () => Promise.resolve(consumer));
    await importer.start();
    await vi.waitFor(() => expect(published.map((p) => decodeOriginMarker(p.replyTo)?.seq)).toContain(3), { timeout: 2000 });
    await importer.close();
    // Seq 2 crossed (after the restart), nothing was said lost, and the failure was reported.
    const seqs = published.map((p) => decodeOriginMarker(p.replyTo)?.seq).filter((s) => s !== undefined);
    expect(seqs).toContain(2);
    expect(seqs.indexOf(2)).toBeLessThan(seqs.lastIndexOf(3));
    expect(published.filter((p) => decodeLossMarker(p.replyTo) !== undefined)).toEqual([]);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/importing from zone A failed: TIMEOUT; retrying/);
  });
});
