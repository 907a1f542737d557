/**
 * The engine alone, publishing side: a Node NATS client (@nats-io/transport-node) publishing
 * pipelined into a JetStream stream, as the bridge's exporter does (bridge/js-publisher.ts):
 * `nc.publish` with a reply subject each under one inbox subscription, at most `window`
 * publishes waiting for their PubAck, a `Nats-Msg-Id` on every message.
 *
 * Commands: `connect { url }`; `throughput { subject, size, seconds, window }` (as fast as the
 * window allows, for `seconds`); `paced { subject, size, rate, seconds, window }` (payload carries
 * its scheduled time). Both answer once every publish was acknowledged.
 */
import { performance } from 'node:perf_hooks';
import { connect, createInbox, headers } from '@nats-io/transport-node';
import { serveCommands } from './ipc.mjs';
import { makePayload, wallMs } from './receipts.mjs';

let nc;
let sub;
let prefix;
let acked = 0;
let failed = 0;
let onAck = () => undefined;

let replyId = 0;
function publishOne(subject, msgId, payload) {
  const h = headers();
  h.set('Nats-Msg-Id', msgId);
  nc.publish(subject, payload, { reply: `${prefix}.${++replyId}`, headers: h });
}

serveCommands({
  async connect({ url }) {
    if (!/^nats:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`refusing NATS url ${url}: 127.0.0.1 only`);
    nc = await connect({ servers: url });
    prefix = createInbox();
    sub = nc.subscribe(`${prefix}.*`, {
      callback: (err, m) => {
        if (err !== null) return;
        const body = m.data.byteLength > 0 ? JSON.parse(new TextDecoder().decode(m.data)) : { error: 'status' };
        if (body.error !== undefined || typeof body.seq !== 'number') failed++;
        else acked++;
        onAck();
      },
    });
    return { ok: true };
  },

  async throughput({ subject, size, seconds, window }) {
    acked = 0;
    failed = 0;
    let sent = 0;
    const run = `${Date.now()}`;
    const t0 = performance.now();
    const tEnd = t0 + seconds * 1000;
    await new Promise((resolve) => {
      const refill = () => {
        if (performance.now() >= tEnd) {
          if (acked + failed >= sent) resolve();
          return;
        }
        // Refill at half the window: fewer, larger writes (as the raw async pattern measured in bench notes).
        if (sent - acked - failed > window / 2) return;
        while (sent - acked - failed < window) {
          publishOne(subject, `e.${run}.${sent}`, makePayload(size, sent));
          sent++;
        }
      };
      onAck = refill;
      refill();
    });
    const sec = (performance.now() - t0) / 1000;
    return { sent, acked, failed, seconds: sec, msgsPerSec: acked / sec };
  },

  async paced({ subject, size, rate, seconds, window }) {
    acked = 0;
    failed = 0;
    let sent = 0;
    const total = Math.round(rate * seconds);
    const run = `${Date.now()}`;
    const w0 = wallMs();
    const t0 = performance.now();
    await new Promise((resolve) => {
      onAck = () => {
        if (sent >= total && acked + failed >= sent) resolve();
      };
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
        while (sent < due && sent - acked - failed < window) {
          publishOne(subject, `p.${run}.${sent}`, makePayload(size, sent, w0 + (sent * 1000) / rate));
          sent++;
        }
        if (sent < total) setTimeout(tick, 1);
        else onAck();
      };
      tick();
    });
    return { sent, acked, failed, seconds: (performance.now() - t0) / 1000 };
  },

  async close() {
    sub?.unsubscribe();
    await nc?.close();
    return { ok: true };
  },
});
