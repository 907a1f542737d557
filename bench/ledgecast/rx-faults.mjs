#!/usr/bin/env node
/**
 * Page faults and CPU per message on each side of a two-process pair (docs/PROFILE.md, "Page
 * faults on the receive path"):
 *
 *   node bench/ledgecast/rx-faults.mjs [--messages 300000] [--bytes 1024] [--port 49301] [--root DIR]
 *
 * A subscriber process and a publisher process (default options, loopback, group 239.255.93.1);
 * the publisher waits for the subscriber, then sends `--messages` fresh payloads of `--bytes`
 * with `tryPublish`, and `await publish` when it says false. Each side prints one JSON line:
 * CPU time and minor page faults (`process.resourceUsage()`) per message, the publisher's over its
 * publishing loop, the subscriber's from its first to its last message, with its msg/s and RSS.
 * `--root DIR` loads another checkout's `dist/` (to alternate two builds).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '300000' },
    bytes: { type: 'string', default: '1024' },
    port: { type: 'string', default: '49301' },
    root: { type: 'string', default: fileURLToPath(new URL('../..', import.meta.url)) },
    role: { type: 'string' },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const PORT = Number(values.port);
const options = { port: PORT, group: '239.255.93.1' };
const cost = (r0, r1, n) => ({
  cpuUsPerMsg: +((r1.userCPUTime + r1.systemCPUTime - r0.userCPUTime - r0.systemCPUTime) / n).toFixed(2),
  faultsPerMsg: +((r1.minorPageFault - r0.minorPageFault) / n).toFixed(3),
});

if (values.role === undefined) {
  const args = (role) => ['--role', role, '--messages', String(N), '--bytes', String(BYTES), '--port', String(PORT), '--root', values.root];
  const sub = fork(fileURLToPath(import.meta.url), args('sub'));
  await new Promise((resolve) => sub.once('message', resolve));
  const pub = fork(fileURLToPath(import.meta.url), args('pub'));
  const timer = setTimeout(() => { sub.kill(); pub.kill(); console.error('rx-faults: no result within 120 s'); process.exitCode = 1; }, 120_000);
  await Promise.all([sub, pub].map((c) => new Promise((resolve) => c.once('exit', resolve))));
  clearTimeout(timer);
} else {
  const { createPeer } = await import(`${values.root}/dist/index.js`);
  if (values.role === 'sub') {
    const peer = await createPeer({ ...options, name: 'rxf-sub' });
    let n = 0;
    let t0 = 0;
    let r0;
    peer.subscribe('rxf.data', () => {
      if (n === 0) [t0, r0] = [performance.now(), process.resourceUsage()];
      if (++n < N) return;
      const r1 = process.resourceUsage();
      const msgsPerSec = Math.round(N / ((performance.now() - t0) / 1000));
      console.log(JSON.stringify({ side: 'subscriber', msgsPerSec, ...cost(r0, r1, N), rssMiB: Math.round(process.memoryUsage().rss / 1048576) }));
      void peer.close().then(() => process.exit(0));
    });
    process.send?.('ready');
  } else {
    const peer = await createPeer({ ...options, name: 'rxf-pub' });
    while (!peer.peers().some((p) => p.name === 'rxf-sub')) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const r0 = process.resourceUsage();
    for (let i = 0; i < N; i++) {
      const b = new Uint8Array(BYTES);
      b[0] = i & 255;
      if (!peer.tryPublish('rxf.data', b)) await peer.publish('rxf.data', b);
    }
    console.log(JSON.stringify({ side: 'publisher', ...cost(r0, process.resourceUsage(), N) }));
    await new Promise((r) => setTimeout(r, 1500));
    await peer.close();
    process.exit(0);
  }
}
