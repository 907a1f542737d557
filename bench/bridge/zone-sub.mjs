/**
 * Zone B's subscriber: an ordinary ledgecast peer counting what the importing bridge delivers
 * (every index once, `msg.origin` naming zone A, no `dataLoss`).
 *
 * Commands: `open { name, group, port }`; `waitPeer { name, timeoutMs }`;
 * `begin { subject, size, latency, warmupMs }`; `end { sent, idleMs, maxMs }` (as engine-sub.mjs).
 * Notes `{ type: 'progress', unique }` every 50 ms while a run is on.
 */
import { createPeer } from '../../dist/index.js';
import { assertLocalMulticastGroup } from '../baselines/loopback.mjs';
import { note, serveCommands } from './ipc.mjs';
import { Receipts } from './receipts.mjs';

let peer;
let current; // { subject, receipts, timer, notFromA, dataLoss }
let dataLoss = 0;
const seen = new Set();

serveCommands({
  async open({ name, group, port }) {
    peer = await createPeer({ name, group: assertLocalMulticastGroup(group), port, interface: '127.0.0.1', ttl: 0 });
    peer.on('peerJoined', (e) => seen.add(e.name));
    peer.on('dataLoss', (e) => {
      dataLoss++;
      process.stderr.write(`zone-sub dataLoss ${JSON.stringify(e)}\n`);
    });
    peer.subscribe('bench.>', (m) => {
      const c = current;
      if (c === undefined || (m.subject !== c.subject && !m.subject.startsWith(c.prefix))) return;
      if (m.origin?.zone !== 'A') c.notFromA++;
      c.receipts.add(m.raw);
    });
    return { ok: true };
  },

  async waitPeer({ name, timeoutMs = 20_000 }) {
    const t0 = Date.now();
    while (!seen.has(name)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`${name} not seen within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { afterMs: Date.now() - t0 };
  },

  async begin({ subject, size, latency = false, warmupMs = 0 }) {
    const receipts = new Receipts({ size, latency, warmupMs });
    const timer = setInterval(() => note({ type: 'progress', unique: receipts.unique }), 20);
    current = { subject, prefix: `${subject}.`, receipts, timer, notFromA: 0, dataLoss0: dataLoss };
    return { ok: true };
  },

  async end({ sent, idleMs = 5000, maxMs = 60_000 }) {
    const c = current;
    await c.receipts.settled(sent, idleMs, maxMs);
    await new Promise((r) => setTimeout(r, 100));
    clearInterval(c.timer);
    current = undefined;
    return { ...c.receipts.summary(sent), notFromA: c.notFromA, dataLoss: dataLoss - c.dataLoss0 };
  },

  async close() {
    await peer?.close({ timeoutMs: 2000 });
    return { ok: true };
  },
});
