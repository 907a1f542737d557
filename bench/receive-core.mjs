// The receiver core in-process, no sockets, no other actor (issue 10, docs/PROFILE.md Step 11):
// DATA datagrams of 8192 B with 64 B payloads (one stream) handed to a Receiver as the receiver
// actor hands them (decodeFrameRecords + onDataRecord where the build has it, else decodeFrame +
// onData); with `loss` % of the datagrams held back and handed in 80 datagrams later as
// retransmitted messages (the RETRANSMIT path), so most messages wait in the reorder buffer.
// GARBAGE=n adds n small objects per delivered message (an application's garbage, for the
// collector). Prints main-thread CPU ns per message, median of 7 fresh receivers.
//
//   node bench/receive-core.mjs [repoDir=.] [lossPct=5]
//   (A/B: run it with the repo dir of each build, alternated)
import path from 'node:path';
const dir = path.resolve(process.argv[2] ?? '.');
const lossPct = Number(process.argv[3] ?? 5);
const { Receiver } = await import(`${dir}/dist/actors/receiver/receiver.js`);
const codec = await import(`${dir}/dist/codecs/frame-codec.js`);
const { DataBatchBuilder } = await import(`${dir}/dist/codecs/data-batch.js`);
const { createRng } = await import(`${dir}/dist/actors/core.js`);
const lazy = typeof codec.decodeFrameRecords === 'function';
const sender = { name: 'pub', incarnation: 123456789 };
const N = 400_000, DELAY = 80;
const b = new DataBatchBuilder({ sender, maxDatagramBytes: 8192 });
const datagrams = [];
const payload = new Uint8Array(64).fill(7);
for (let s = 1; s <= N; s++) {
  if (!b.tryAddFields('bench.data', s, 0, payload, 1)) { datagrams.push(b.finish().slice()); b.tryAddFields('bench.data', s, 0, payload, 1); }
}
datagrams.push(b.finish().slice());
function once(seed) {
  const rng = createRng(seed);
  let delivered = 0; let held = [];
  const G = Number(process.env.GARBAGE ?? 0); const sink = { deliver: (p, m) => { held.push(m); for (let g = 0; g < G; g++) held.push({ a: m, b: g, c: null, d: 1.5 }); delivered++; }, requestNak() {}, dataLoss() { throw new Error('loss'); }, streamReset() {} };
  const rx = new Receiver({ sink, rng, isInterested: () => true }, { nakDelayMinMs: 1e6, nakDelayMaxMs: 1e6 });
  rx.setListed('pub', true);
  const late = [];
  let now = 0;
  const t0 = process.cpuUsage();
  for (let i = 0; i < datagrams.length; i++) {
    now += 0.05;
    const bytes = datagrams[i];
    if (i > 0 && rng() * 100 < lossPct) late.push([i + DELAY, bytes]);
    else if (lazy) {
      const r = codec.decodeFrameRecords(bytes);
      const d = r.frame;
      for (let k = 0, o = d.firstRecord; k < d.count; k++, o = d.recordEnd(o)) rx.onDataRecord(now, d, o);
    } else {
      const r = codec.decodeFrame(bytes);
      const f = r.frame;
      for (let k = 0; k < f.messages.length; k++) {
        const m = f.messages[k]; const s = f.streams[0];
        rx.onData(now, f.sender, s.startSeq, m, s.ageMs, s.resumed);
      }
    }
    while (late.length > 0 && late[0][0] <= i) {
      const f = codec.decodeFrame(late.shift()[1]).frame;
      for (const m of f.messages) rx.onData(now, f.sender, 0, m);
    }
    if (held.length > 0) held = [];
  }
  for (const [, bytes] of late) { const f = codec.decodeFrame(bytes).frame; for (const m of f.messages) rx.onData(now, f.sender, 0, m); }
  const u = process.cpuUsage(t0);
  if (delivered !== N) throw new Error(`delivered ${delivered}`);
  return ((u.user + u.system) * 1000) / N;
}
const res = [];
for (let r = 0; r < 7; r++) res.push(once(r + 1));
res.sort((a, b) => a - b);
console.log(`${lazy ? 'records' : 'objects'} loss ${lossPct}% ns/msg median ${res[3].toFixed(0)} min ${res[0].toFixed(0)} all ${res.map((x) => x.toFixed(0)).join(' ')}`);
