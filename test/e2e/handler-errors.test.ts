/**
 * A subscription handler that throws, or returns a promise that rejects, costs nothing but an
 * `'error'` event (a HandlerError, ERR_HANDLER, naming the subscription and the message): the
 * process lives on and the subscription keeps delivering. Without an `'error'` listener the
 * error becomes one process warning on stderr instead of an exception.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshNetwork, killAll, PeerProcess, sleep, startPeer } from './helpers.js';

afterEach(killAll);

async function failingSubscriber(errorListener: boolean): Promise<{ sub: PeerProcess; pub: PeerProcess; id: number }> {
  const net = freshNetwork();
  const sub = new PeerProcess('sub');
  await sub.waitEvent((e) => e.event === 'alive', 10_000, 'child start');
  await sub.call('start', { options: { name: 'sub', ...net }, errorListener });
  const { id } = await sub.call('failingHandler', { pattern: 'hf.>', throwOn: [2, 7], rejectOn: [4, 8] });
  const pub = await startPeer('pub', net);
  await pub.waitJoined(['sub']);
  return { sub, pub, id };
}

const seqs = (records: unknown[][]) => records.map((r) => r[2]);

describe('a subscription handler that fails', () => {
  it('throwing or rejecting goes to the error event as a HandlerError; the process lives and later messages are delivered', async () => {
    const { sub, pub, id } = await failingSubscriber(true);
    await pub.call('publish', { subjects: ['hf.x'], perSubject: 6 });
    const first = await sub.call('collect', { expect: [6], timeoutMs: 5000, quietMs: 200 });
    expect(first.timedOut).toBe(false);
    expect(seqs(first.records[id])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(first.errors.map((e: { name: string; code: string }) => [e.name, e.code])).toEqual([
      ['HandlerError', 'ERR_HANDLER'],
      ['HandlerError', 'ERR_HANDLER'],
    ]);
    expect(first.errors[0].message).toContain('hf.>');
    expect(first.errors[0].message).toContain('hf.x#2 from pub');
    expect(first.errors[0].message).toContain('thrown on 2');
    expect(first.errors[1].message).toContain('hf.x#4 from pub');
    expect(first.errors[1].message).toContain('rejected on 4');

    await pub.call('publish', { subjects: ['hf.x'], perSubject: 4, startIndex: 7 });
    const later = await sub.call('collect', { expect: [10], timeoutMs: 5000, quietMs: 200 });
    expect(later.timedOut).toBe(false);
    expect(seqs(later.records[id])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(later.errors.map((e: { message: string }) => e.message.match(/(thrown|rejected) on \d+/)?.[0])).toEqual([
      'thrown on 2',
      'rejected on 4',
      'thrown on 7',
      'rejected on 8',
    ]);
  });

  it('without an error listener each failure is one process warning, and the process keeps delivering', async () => {
    const { sub, pub, id } = await failingSubscriber(false);
    await pub.call('publish', { subjects: ['hf.x'], perSubject: 10 });
    const got = await sub.call('collect', { expect: [10], timeoutMs: 5000, quietMs: 300 });
    expect(got.timedOut).toBe(false);
    expect(seqs(got.records[id])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await sleep(100);
    const warnings = sub.stderr.join('').split('\n').filter((l) => l.includes('LEDGECAST_ERROR'));
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toContain('HandlerError');
    expect(warnings[0]).toContain('thrown on 2');
    expect(await sub.call('stats')).toMatchObject({ name: 'sub' }); // still answering
  });
});

describe('an error listener that throws', () => {
  it('reaches the process as an uncaught exception, and the publish whose echo delivery reported the error still settles (it never did)', async () => {
    const { spawn } = await import('node:child_process');
    const dist = new URL('../../dist/index.js', import.meta.url).href;
    const net = freshNetwork();
    const script = `
      const { createPeer } = await import(${JSON.stringify(dist)});
      let uncaught = 0;
      process.on('uncaughtException', () => { uncaught++; });
      const peer = await createPeer({ group: ${JSON.stringify(net.group)}, port: ${net.port}, name: 'throwing-listener' });
      peer.on('error', () => { throw new Error('listener failed'); });
      peer.subscribe('t.x', () => { throw new Error('handler failed'); });
      const settled = await Promise.race([peer.publish('t.x', 1).then(() => 'resolved', (e) => 'rejected ' + e.code), new Promise((r) => setTimeout(() => r('pending'), 3000))]);
      await new Promise((r) => setTimeout(r, 50));
      await peer.close();
      console.log(JSON.stringify({ settled, uncaught }));
    `;
    const out = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', () => {
        clearTimeout(kill);
        resolve(text);
      });
    });
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { settled?: string; uncaught?: number };
    expect(result.settled).toBe('resolved');
    expect(result.uncaught).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
