/**
 * Request/reply between two processes: `peer.request` in one, `msg.respond` in the other; a
 * request a peer listens to but nobody answers rejects with ERR_TIMEOUT after its timeout (one
 * nobody listens to fails at once with ERR_NO_RESPONDERS: test/e2e/api.test.ts); a plain publish (no reply
 * subject) to a responder written like the README's is answered by nothing and harms nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChildCommandError, freshNetwork, killAll, startPeer } from './helpers.js';

afterEach(killAll);

describe('request/reply between two processes', () => {
  it('a request is answered by the responder in the other process, and each reply goes to its own request', async () => {
    const net = freshNetwork();
    const responder = await startPeer('responder', net);
    const client = await startPeer('client', net);
    await responder.call('respond', { pattern: 'svc.echo.*' });
    await client.waitJoined(['responder']);

    const first = await client.call('request', { subject: 'svc.echo.a', data: { q: 1 }, timeoutMs: 5000 }, 10_000);
    expect(first).toEqual({ subject: first.subject, sender: 'responder', data: { echo: { q: 1 }, by: 'responder' } });
    // On the client's one reply subject (one stream per responder and requester, not per request).
    expect(first.subject).toMatch(/^_INBOX\.client\.\d+\.r$/);

    // Several requests in flight at once: each resolves with the reply to its own question.
    const many = await Promise.all(
      [2, 3, 4, 5, 6].map((q) => client.call('request', { subject: `svc.echo.n${q}`, data: { q }, timeoutMs: 5000 }, 10_000)),
    );
    expect(many.map((r) => r.data)).toEqual([2, 3, 4, 5, 6].map((q) => ({ echo: { q }, by: 'responder' })));
    expect(new Set(many.map((r) => r.subject))).toEqual(new Set([first.subject]));
  });

  it('a request a known peer listens to but nobody answers rejects with ERR_TIMEOUT after timeoutMs', async () => {
    const net = freshNetwork();
    const responder = await startPeer('responder', net);
    const client = await startPeer('client', net);
    await responder.call('respond', { pattern: 'svc.echo.*' });
    await responder.call('subscribe', { patterns: ['svc.nobody'] }); // listens, never answers
    await client.waitJoined(['responder']);
    await new Promise((r) => setTimeout(r, 1500)); // past start-up discovery: the client knows both patterns

    const t0 = Date.now();
    const err = await client.call('request', { subject: 'svc.nobody', data: { q: 1 }, timeoutMs: 400 }, 10_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - t0;
    expect(err).toBeInstanceOf(ChildCommandError);
    expect((err as ChildCommandError).code).toBe('ERR_TIMEOUT');
    expect((err as ChildCommandError).remote.name).toBe('TimeoutError');
    expect((err as ChildCommandError).remote.message).toContain('svc.nobody');
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(5000);
  });

  it('a responder written like the README line survives messages without a reply subject and keeps delivering and answering', async () => {
    const net = freshNetwork();
    const responder = await startPeer('responder', net);
    const client = await startPeer('client', net);
    const { id } = await responder.call('respondLikeReadme', { pattern: 'rates.request' });
    await client.waitJoined(['responder']);

    // What `ledgecast pub rates.request '{}'` does: a plain publish, no reply subject.
    await client.call('publish', { subjects: ['rates.request'], perSubject: 3 });
    const first = await responder.call('collect', { expect: [3], timeoutMs: 5000, quietMs: 200 });
    expect(first.timedOut).toBe(false);
    expect(first.records[id].map((r: unknown[]) => r[2])).toEqual([1, 2, 3]);
    expect(first.errors).toEqual([]); // nothing to answer is not an error

    // Still alive: it answers a real request and takes the next plain messages.
    const reply = await client.call('request', { subject: 'rates.request', data: { pair: 'EURUSD' }, timeoutMs: 5000 }, 10_000);
    expect(reply.data).toEqual({ rate: 1.08 });
    await client.call('publish', { subjects: ['rates.request'], perSubject: 2, startIndex: 4 });
    const later = await responder.call('collect', { expect: [6], timeoutMs: 5000, quietMs: 200 });
    expect(later.timedOut).toBe(false);
    expect(later.records[id].map((r: unknown[]) => r[2])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(later.errors).toEqual([]);
  });
});

describe('request/reply in a long-running service', () => {
  it('a responder answers more requests than it may have streams: replies to one requester share one stream (each was a stream of its own, and past maxStreams every reply failed)', async () => {
    const { createPeer } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof import('../../index.js');
    const net = freshNetwork();
    const responder = await createPeer({ ...net, name: 'many-replies', sender: { maxStreams: 20 } });
    const client = await createPeer({ ...net, name: 'many-requests' });
    const errors: Error[] = [];
    responder.on('error', (e) => errors.push(e));
    try {
      responder.subscribe('svc.n', (msg) => void msg.respond({ n: (msg.data as { n: number }).n }));
      await client.request('svc.n', { n: 0 }, { timeoutMs: 5_000 }); // discovery
      for (let n = 1; n <= 100; n++) {
        const reply = await client.request('svc.n', { n }, { timeoutMs: 5_000 });
        expect(reply.data).toEqual({ n });
      }
      // Concurrent ones too, each resolved by its own reply.
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => client.request('svc.n', { n: 1000 + i }, { timeoutMs: 5_000 })));
      expect(answers.map((a) => (a.data as { n: number }).n)).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
      expect(errors).toEqual([]);
    } finally {
      await Promise.all([client.close(), responder.close()]);
    }
  }, 60_000);
});

