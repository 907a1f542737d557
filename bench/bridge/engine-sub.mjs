/**
 * The engine alone, consuming side: a durable pull consumer with the bridge importer's settings
 * (bridge/importer.ts: `AckPolicy.All`, from the first message, `max_ack_pending` 1024, ack wait
 * 30 s, `consume({ max_messages: 1024, threshold_messages: 256, callback })`, one
 * acknowledgement covering every message before it once 256 are acknowledgeable or 10 ms after
 * the first of them, as bridge/ack-pacing.ts).
 *
 * Commands: `connect { url }`; `begin { stream, durable, filter, size, latency, warmupMs }`
 * (creates the consumer and counts what arrives); `end { sent, idleMs, maxMs }` (waits until
 * every index below `sent` arrived, or no progress for `idleMs`, then stops and reports).
 * Notes to the parent every 50 ms while a run is on: `{ type: 'progress', unique }`.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { note, serveCommands } from './ipc.mjs';
import { Receipts } from './receipts.mjs';

let nc;
let js;
let jsm;
let current; // { receipts, messages, loop, timer }

serveCommands({
  async connect({ url }) {
    if (!/^nats:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`refusing NATS url ${url}: 127.0.0.1 only`);
    nc = await connect({ servers: url });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    return { ok: true };
  },

  async begin({ stream, durable, filter, size, latency = false, warmupMs = 0 }) {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filter,
      max_ack_pending: 1024,
      ack_wait: nanos(30_000),
    });
    const consumer = await js.consumers.get(stream, durable);
    const receipts = new Receipts({ size, latency, warmupMs });
    // As the importer: acknowledge the newest message once 256 are unacknowledged, or 10 ms
    // after the first of them.
    let last;
    let count = 0;
    let ackTimer;
    const ack = () => {
      clearTimeout(ackTimer);
      ackTimer = undefined;
      last?.ack();
      last = undefined;
      count = 0;
    };
    const messages = await consumer.consume({
      max_messages: 1024,
      threshold_messages: 256,
      callback: (m) => {
        receipts.add(m.data);
        last = m;
        if (++count >= 256) ack();
        else ackTimer ??= setTimeout(ack, 10);
      },
    });
    const loop = messages.closed().then(ack);
    const timer = setInterval(() => note({ type: 'progress', unique: receipts.unique }), 50);
    current = { receipts, messages, loop, timer };
    return { ok: true };
  },

  async end({ sent, idleMs = 5000, maxMs = 60_000 }) {
    const c = current;
    await c.receipts.settled(sent, idleMs, maxMs);
    await new Promise((r) => setTimeout(r, 100)); // duplicates arriving just after the last one
    clearInterval(c.timer);
    c.messages.stop();
    await c.loop.catch(() => undefined);
    current = undefined;
    return c.receipts.summary(sent);
  },

  async close() {
    await nc?.close();
    return { ok: true };
  },
});
