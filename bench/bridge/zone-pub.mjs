/**
 * Zone A's publisher: an ordinary ledgecast peer (dist/index.js) on 127.0.0.1, group 239.255.x.y,
 * TTL 0.
 *
 * Commands: `open { name, group, port }`; `waitPeer { name, pattern, timeoutMs }` (until that peer
 * advertised the pattern: the exporting bridge's durable subscription is open);
 * `throughput { subject, size, seconds, window, streams }`: as fast as the peer's backpressure allows
 * (`tryPublish`, a macrotask yield when refused) and at most `window` messages ahead of what
 * zone B received (credit notes `{ type: 'credit', delivered }` forwarded by the parent: the
 * bridge holds what JetStream has not stored, and past the peer's `maxQueuedPerSubscription` it
 * would drop and report, so the bench keeps the end-to-end backlog bounded);
 * `paced { subject, size, rate, seconds }`: payload carries its scheduled time.
 */
import { performance } from 'node:perf_hooks';
import { createPeer } from '../../dist/index.js';
import { assertLocalMulticastGroup } from '../baselines/loopback.mjs';
import { note, serveCommands } from './ipc.mjs';
import { makePayload, wallMs } from './receipts.mjs';

let peer;
let delivered = 0;
let creditWake;
const seen = new Map();

serveCommands(
  {
    async open({ name, group, port }) {
      peer = await createPeer({ name, group: assertLocalMulticastGroup(group), port, interface: '127.0.0.1', ttl: 0 });
      const onPeer = (e) => seen.set(e.name, e.patterns ?? []);
      peer.on('peerJoined', onPeer);
      peer.on('peerUpdated', onPeer);
      peer.on('dataLoss', (e) => process.stderr.write(`zone-pub dataLoss ${JSON.stringify(e)}\n`));
      return { ok: true };
    },

    async waitPeer({ name, pattern, timeoutMs = 20_000 }) {
      const t0 = Date.now();
      while (!(seen.get(name) ?? []).includes(pattern)) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`${name} not seen advertising ${pattern} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return { afterMs: Date.now() - t0 };
    },

    async throughput({ subject, size, seconds, window, streams = 1 }) {
      // `streams` > 1: message i goes on `<subject>.<i mod streams>` (many origin streams, as the
      // export checkpoint sees a busy zone).
      const subjects = streams > 1 ? Array.from({ length: streams }, (_, i) => `${subject}.${i}`) : [subject];
      delivered = 0;
      let sent = 0;
      let refused = 0;
      let creditWaits = 0;
      const t0 = performance.now();
      const tEnd = t0 + seconds * 1000;
      let payload = makePayload(size, 0);
      const progress = setInterval(() => note({ type: 'sent', sent }), 50);
      while (performance.now() < tEnd) {
        for (let k = 0; k < 256; k++) {
          if (sent - delivered >= window) {
            creditWaits++;
            await new Promise((r) => {
              creditWake = r;
              setTimeout(r, 20);
            });
            break;
          }
          if (peer.tryPublish(subjects[sent % subjects.length], payload)) {
            sent++;
            payload = makePayload(size, sent);
            continue;
          }
          refused++;
          await new Promise((r) => setImmediate(r));
          break;
        }
      }
      // The last one alone, awaited: it resolves once every earlier one is on the wire.
      await new Promise((r) => setImmediate(r));
      await peer.publish(subjects[sent % subjects.length], payload);
      sent++;
      clearInterval(progress);
      const sec = (performance.now() - t0) / 1000;
      return { sent, refused, creditWaits, seconds: sec, msgsPerSec: sent / sec };
    },

    async paced({ subject, size, rate, seconds }) {
      const total = Math.round(rate * seconds);
      let sent = 0;
      let late = 0;
      const w0 = wallMs();
      const t0 = performance.now();
      await new Promise((resolve, reject) => {
        const tick = () => {
          const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
          while (sent < due) {
            const p = makePayload(size, sent, w0 + (sent * 1000) / rate);
            if (!peer.tryPublish(subject, p)) {
              late++;
              peer.publish(subject, p).catch(reject);
            }
            sent++;
          }
          if (sent < total) setTimeout(tick, 1);
          else resolve();
        };
        tick();
      });
      return { sent, late, seconds: (performance.now() - t0) / 1000 };
    },

    async close() {
      await peer?.close({ timeoutMs: 2000 });
      return { ok: true };
    },
  },
  (m) => {
    if (m.type === 'credit') {
      delivered = m.delivered;
      const w = creditWake;
      creditWake = undefined;
      w?.();
    }
  },
);
