import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../runtime/dispatcher.js';
import { EnvelopeCodec } from '../../../runtime/envelope-codec.js';
import { Mailbox } from '../../../runtime/mailbox.js';
import { Ring } from '../../../runtime/ring.js';
import { InboundChannel, OutboundChannel } from '../../../runtime/ring-channel.js';

/** Both ends of one ring on this thread, delivering to mailboxes 0 and 1. */
function link(options: { ringBytes?: number; maxPendingMessages?: number; mailboxCapacity?: number } = {}) {
  const ring = Ring.create(options.ringBytes ?? 4096);
  const out = new OutboundChannel('b', ring, new EnvelopeCodec(), {
    maxPendingMessages: options.maxPendingMessages ?? 1000,
    maxPendingBytes: ring.capacity,
  });
  const dispatcher = new Dispatcher(1024);
  const received: unknown[][] = [[], []];
  const mailboxes = [0, 1].map((i) => {
    const mb = new Mailbox<unknown>({ dispatcher, handler: (m) => received[i].push(m), onError: () => undefined }, `m${i}`, options.mailboxCapacity ?? 1000);
    mb.open();
    return mb;
  });
  const app: unknown[] = [];
  const inbound = new InboundChannel('a', new Ring(ring.buffer), new EnvelopeCodec(), {
    mailboxAt: (i) => mailboxes[i],
    onAppPayload: (p) => app.push(p),
    onDecodeError: (err) => {
      throw err;
    },
  }, 64);
  return { ring, out, inbound, mailboxes, received, app };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 1));
}

describe('OutboundChannel and InboundChannel', () => {
  it('deliver to the target mailbox in order, publishing once per turn', async () => {
    const { out, inbound, received } = link();
    inbound.start();
    for (let i = 0; i < 100; i++) out.trySend(i % 2, { seq: i });
    expect(out.stats().publishes).toBe(0); // not yet: published at the end of the turn
    await until(() => received[0].length + received[1].length === 100);
    expect(received[0]).toEqual(Array.from({ length: 50 }, (_, i) => ({ seq: 2 * i })));
    expect(received[1]).toEqual(Array.from({ length: 50 }, (_, i) => ({ seq: 2 * i + 1 })));
    expect(out.stats().publishes).toBe(1);
    await inbound.close();
  });

  it('queue envelopes in order while the ring is full, then refuse beyond the bound', async () => {
    const { out, inbound, received } = link({ maxPendingMessages: 10 });
    const msg = new Uint8Array(400);
    let accepted = 0;
    while (out.trySend(0, msg.fill(accepted))) accepted++;
    expect(out.pendingCount).toBe(10);
    expect(accepted).toBe(out.stats().recordsWritten + 10);
    expect(out.counters.refusedFull).toBe(1);
    const writable = out.whenWritable();
    inbound.start();
    await writable;
    expect(out.pendingCount).toBe(0);
    await until(() => received[0].length === accepted);
    expect(received[0].map((m) => (m as Uint8Array)[0])).toEqual(Array.from({ length: accepted }, (_, i) => i));
    await inbound.close();
  });

  it('stop reading when the target mailbox is full and resume without loss once it drains', async () => {
    const { out, inbound, received, mailboxes } = link({ mailboxCapacity: 5 });
    mailboxes[0].hold(); // fills up without draining
    for (let i = 0; i < 20; i++) out.trySend(0, i);
    inbound.start();
    await until(() => mailboxes[0].length === 5);
    await new Promise((r) => setTimeout(r, 10));
    expect(mailboxes[0].length).toBe(5);
    expect(inbound.counters.blockedOnFullMailbox).toBeGreaterThan(0);
    mailboxes[0].open();
    await until(() => received[0].length === 20);
    expect(received[0]).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await inbound.close();
  });

  it('count and drop envelopes for a stopped actor, and route application payloads', async () => {
    const { out, inbound, mailboxes, app } = link();
    mailboxes[1].close();
    out.trySend(1, 'lost');
    out.trySend(0xffff, { kind: 'event' });
    inbound.start();
    await until(() => app.length === 1);
    expect(app).toEqual([{ kind: 'event' }]);
    expect(inbound.counters.droppedStopped).toBe(1);
    await inbound.close();
  });

  it('deliver what was published before the ring closed, then end the read loop', async () => {
    const { out, inbound, received } = link();
    inbound.start();
    out.trySend(0, 'last words');
    out.close(); // publishes, then closes
    await inbound.close();
    await until(() => received[0].length === 1);
    expect(received[0]).toEqual(['last words']);
    expect(() => out.trySend(0, 'more')).toThrow(expect.objectContaining({ code: 'ERR_PEER_CLOSED' }));
  });

  it('refuse a message too large for one ring record', () => {
    const { out } = link({ ringBytes: 4096 });
    expect(() => out.trySend(0, new Uint8Array(4096))).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_TOO_LARGE' }));
  });
});
