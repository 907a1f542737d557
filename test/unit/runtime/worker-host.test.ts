import { describe, expect, it } from 'vitest';
import { Ring } from '../../../runtime/ring.js';
import { WorkerHost, workerEntryUrl } from '../../../runtime/worker-host.js';

const ECHO = new URL('../../../dist/runtime/testing/echo-actor.js', import.meta.url).href;
const OPTIONS = { startTimeoutMs: 10_000, closeTimeoutMs: 5_000 };

function startup(thread: string) {
  const rings = [
    { from: 'main', to: thread, buffer: Ring.create(4096).buffer },
    { from: thread, to: 'main', buffer: Ring.create(4096).buffer },
  ];
  return {
    thread,
    actors: [{ name: 'echo', module: ECHO, options: { replyTo: 'echo' } }],
    placement: { echo: thread },
    rings,
    mailboxCapacity: 100,
    maxMessagesPerTurn: 100,
    timeOriginMs: performance.timeOrigin,
  };
}

describe('workerEntryUrl', () => {
  it('points a compiled host at its sibling entry', () => {
    expect(workerEntryUrl('file:///pkg/dist/runtime/worker-host.js').href).toBe('file:///pkg/dist/runtime/worker-entry.js');
  });

  it('points the TypeScript sources (under vitest) at the dist/ twin', () => {
    expect(workerEntryUrl('file:///repo/runtime/worker-host.ts').href).toBe('file:///repo/dist/runtime/worker-entry.js');
  });
});

describe('WorkerHost', () => {
  it('starts a worker, answers control calls, and exits on close', async () => {
    const errors: Error[] = [];
    const host = await WorkerHost.start({ onError: (_t, err) => errors.push(err) }, startup('w1'), OPTIONS);
    const stats = await host.control.stats();
    expect(stats).toMatchObject({ thread: 'w1', actors: { echo: { actor: { echoed: 0, thread: 'w1' } } } });
    await Promise.all([host.close(), host.close()]);
    expect(errors).toEqual([]);
  });

  it('rejects with the rebuilt start error when an actor cannot be loaded', async () => {
    const bad = { ...startup('w2'), actors: [{ name: 'echo', module: 'file:///nowhere/missing.js', options: {} }] };
    await expect(WorkerHost.start({ onError: () => undefined }, bad, OPTIONS)).rejects.toMatchObject({
      name: 'InvalidOptionError',
      code: 'ERR_INVALID_OPTION',
      message: expect.stringMatching(/^worker thread "w2" failed to start: cannot load the module of actor "echo"/),
    });
  });
});
