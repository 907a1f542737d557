import { afterEach, describe, expect, it } from 'vitest';
import type { ActorEvent } from '../../../runtime/actor.js';
import { ActorSystem, type ActorRegistry, type ActorSystemOptions } from '../../../runtime/actor-system.js';
import { PEER_ACTOR_NAMES, TOPOLOGY_PRESETS, type Topology } from '../../../runtime/topology.js';

const dist = (file: string) => new URL(`../../../dist/runtime/testing/${file}`, import.meta.url).href;
const fixture = (file: string) => new URL(`../../fixtures/${file}`, import.meta.url).href;
const PING = dist('ping-actor.js');
const ECHO = dist('echo-actor.js');

const PING_ECHO: ActorRegistry = {
  ping: { module: PING, options: { target: 'echo' } },
  echo: { module: ECHO, options: { replyTo: 'ping' } },
};

/** An actor system whose events and errors are recorded, closed after each test. */
const open: ActorSystem[] = [];
function system(options: ActorSystemOptions) {
  const events: { actor: string; event: ActorEvent }[] = [];
  const errors: { source: string; err: Error }[] = [];
  const waiters: { kind: string; resolve: (e: ActorEvent) => void }[] = [];
  const sys = new ActorSystem(
    {
      onEvent: (actor, event) => {
        events.push({ actor, event });
        for (const w of waiters.filter((w) => w.kind === event.kind)) w.resolve(event);
      },
      onError: (source, err) => errors.push({ source, err }),
    },
    options,
  );
  open.push(sys);
  const next = (kind: string) => new Promise<ActorEvent>((resolve) => waiters.push({ kind, resolve }));
  return { sys, events, errors, next };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => undefined)));
});

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** Nothing that keeps the process alive (ports, workers, timers, …) was added since `before`. */
function expectNoNewResources(before: Record<string, number>): void {
  const added = Object.entries(resourceCounts()).filter(([kind, n]) => n > (before[kind] ?? 0));
  expect(added).toEqual([]);
}

const PLACEMENTS: [string, Topology][] = [
  ['both on main', { ping: 'main', echo: 'main' }],
  ['echo on a worker', { ping: 'main', echo: 'w1' }],
  ['ping and echo on two workers', { ping: 'w1', echo: 'w2' }],
];

describe('ActorSystem', () => {
  for (const [label, topology] of PLACEMENTS) {
    it(`delivers 100,000 ping/echo messages in order with ${label}`, async () => {
      const { sys, next, errors } = system({ registry: PING_ECHO, topology });
      await sys.start();
      const done = next('done');
      sys.ref('ping').send({ kind: 'go', count: 100_000, window: 5_000 });
      expect(await done).toMatchObject({ received: 100_000, inOrder: true });
      const stats = await sys.stats();
      expect(stats.threads[topology.echo].actors.echo.actor).toEqual({ echoed: 100_000, thread: topology.echo });
      expect(errors).toEqual([]);
    });
  }

  it('carries Uint8Array payloads across threads as bytes, in order', async () => {
    const { sys, next } = system({ registry: PING_ECHO, topology: { ping: 'main', echo: 'w1' } });
    await sys.start();
    const done = next('done');
    sys.ref('ping').send({ kind: 'go', count: 20_000, window: 2_000, payload: 'bytes' });
    expect(await done).toMatchObject({ received: 20_000, inOrder: true });
  });

  it('runs the same relay scenario under every peer topology preset', async () => {
    // ping → socket → subjects → … → ledger → ping, each hop an echo actor placed by the preset.
    const registry: Record<string, { module: string; options: unknown }> = { ping: { module: PING, options: { target: PEER_ACTOR_NAMES[0] } } };
    PEER_ACTOR_NAMES.forEach((name, i) => {
      registry[name] = { module: ECHO, options: { replyTo: PEER_ACTOR_NAMES[i + 1] ?? 'ping' } };
    });
    for (const [preset, placement] of Object.entries(TOPOLOGY_PRESETS)) {
      const { sys, next, errors } = system({ registry, topology: { ...placement, ping: 'main' } });
      await sys.start();
      const done = next('done');
      sys.ref('ping').send({ kind: 'go', count: 5_000, window: 500 });
      expect(await done, preset).toMatchObject({ received: 5_000, inOrder: true });
      expect(errors, preset).toEqual([]);
      await sys.close();
    }
  });

  it('hands an actor on the same thread the very object sent, and one on a worker a copy', async () => {
    const { sys, next } = system({
      registry: { here: { module: fixture('faulty-actor.mjs') }, there: { module: fixture('faulty-actor.mjs') } },
      topology: { here: 'main', there: 'w1' },
    });
    await sys.start();
    const msg = { kind: 'reflect', bytes: new Uint8Array([1, 2]) };
    let reflected = next('reflected');
    sys.ref('here').send(msg);
    expect((await reflected).msg).toBe(msg);
    reflected = next('reflected');
    sys.ref('there').send(msg);
    const copy = (await reflected).msg;
    expect(copy).not.toBe(msg);
    expect(copy).toEqual(msg);
  });

  it('gathers stats from every thread over the control channel', async () => {
    const { sys } = system({ registry: PING_ECHO, topology: { ping: 'main', echo: 'w1' } });
    await sys.start();
    const stats = await sys.stats();
    expect(Object.keys(stats.threads)).toEqual(['main', 'w1']);
    expect(stats.threads.w1.thread).toBe('w1');
    expect(stats.threads.w1.actors.echo.mailbox).toMatchObject({ received: 0, length: 0 });
    expect(stats.threads.main.outbound.w1).toMatchObject({ sent: 0, pending: 0 });
  });

  it('applies configure on a worker and brings its errors back with their code', async () => {
    const { sys } = system({ registry: PING_ECHO, topology: { ping: 'main', echo: 'w1' } });
    await sys.start();
    await sys.configure('echo', { replyTo: 'ping' });
    const err = await sys.configure('echo', { replyTo: 7 }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'InvalidOptionError', code: 'ERR_INVALID_OPTION', message: 'options.replyTo must be an actor name, got 7' });
    await expect(sys.configure('ping', {})).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: 'actor "ping" cannot be configured at run time' });
    await expect(sys.configure('nobody', {})).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });

  it('reports an error thrown by receive on a worker, rebuilt from data, and keeps delivering', async () => {
    const { sys, errors, next } = system({ registry: { faulty: { module: fixture('faulty-actor.mjs') } }, topology: { faulty: 'w1' } });
    await sys.start();
    const seen = next('seen');
    sys.ref('faulty').send({ kind: 'throw' });
    sys.ref('faulty').send({ kind: 'hello' });
    expect(await seen).toEqual({ kind: 'seen', n: 1 });
    expect(errors).toHaveLength(1);
    expect(errors[0].source).toBe('faulty');
    expect(errors[0].err).toMatchObject({ name: 'InvalidSubjectError', code: 'ERR_INVALID_SUBJECT', message: 'bad subject from w1' });
  });

  it('reports a worker that exits unexpectedly, naming the thread', async () => {
    const { sys, errors } = system({ registry: { faulty: { module: fixture('faulty-actor.mjs') } }, topology: { faulty: 'w1' } });
    await sys.start();
    sys.ref('faulty').send({ kind: 'exit', code: 3 });
    for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(errors.map(({ source, err }) => ({ source, code: (err as { code?: string }).code, message: err.message }))).toEqual([
      { source: 'w1', code: 'ERR_INTERNAL', message: 'worker thread "w1" exited unexpectedly with code 3' },
    ]);
    expect(() => sys.ref('faulty').send({ kind: 'hello' })).toThrow(expect.objectContaining({ code: 'ERR_PEER_CLOSED' }));
    await expect(sys.stats()).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
    await sys.close(); // nothing left to stop there: resolves
  });

  it("fires an actor's timer once, the last one armed, and not early", async () => {
    const { sys, events, next } = system({ registry: { faulty: { module: fixture('faulty-actor.mjs') } }, topology: { faulty: 'w1' } });
    await sys.start();
    const fired = next('fired');
    sys.ref('faulty').send({ kind: 'arm', inMs: 200, tag: 'replaced' });
    sys.ref('faulty').send({ kind: 'arm', inMs: 20, tag: 'last' });
    const event = await fired;
    expect(event).toMatchObject({ tag: 'last' });
    expect(event.lateMs).toBeGreaterThanOrEqual(0);
    await new Promise((r) => setTimeout(r, 250));
    expect(events.filter((e) => e.event.kind === 'fired')).toHaveLength(1);
  });

  it("moves an actor's timer later: it fires once, at the later deadline, with the last callback", async () => {
    const { sys, events, next } = system({ registry: { faulty: { module: fixture('faulty-actor.mjs') } }, topology: { faulty: 'main' } });
    await sys.start();
    const fired = next('fired');
    const t0 = performance.now();
    sys.ref('faulty').send({ kind: 'arm', inMs: 10, tag: 'earlier' });
    sys.ref('faulty').send({ kind: 'arm', inMs: 80, tag: 'later' });
    const event = await fired;
    expect(event).toMatchObject({ tag: 'later' });
    expect(event.lateMs).toBeGreaterThanOrEqual(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(79);
    await new Promise((r) => setTimeout(r, 100));
    expect(events.filter((e) => e.event.kind === 'fired')).toHaveLength(1);
    await sys.close();
  });

  it("gives a worker's actors a clock with the main thread's origin", async () => {
    const { sys, next } = system({ registry: { faulty: { module: fixture('faulty-actor.mjs') } }, topology: { faulty: 'w1' } });
    await sys.start();
    const before = performance.now();
    const clock = next('clock');
    sys.ref('faulty').send({ kind: 'clock' });
    const { clock: workerClock } = await clock;
    expect(workerClock).toBeGreaterThanOrEqual(before - 1);
    expect(workerClock).toBeLessThanOrEqual(performance.now() + 1);
  });

  it('leaves no worker or port behind after close, and close is idempotent', async () => {
    const before = resourceCounts();
    const { sys } = system({ registry: PING_ECHO, topology: { ping: 'w1', echo: 'w2' } });
    await sys.start();
    expect(resourceCounts().MessagePort ?? 0).toBeGreaterThan(before.MessagePort ?? 0);
    await Promise.all([sys.close(), sys.close()]);
    await sys.close();
    expectNoNewResources(before);
    expect(() => sys.ref('echo').send({ kind: 'ping', seq: 0 })).toThrow(expect.objectContaining({ code: 'ERR_PEER_CLOSED' }));
  });

  it('stops actors in reverse registry order, across threads', async () => {
    const { sys, events } = system({
      registry: { a: { module: fixture('faulty-actor.mjs') }, b: { module: fixture('faulty-actor.mjs') }, c: { module: fixture('faulty-actor.mjs') } },
      topology: { a: 'w1', b: 'main', c: 'w2' },
    });
    await sys.start();
    await sys.close();
    const stopped = events.filter((e) => e.event.kind === 'stopped').sort((x, y) => (x.event.at as number) - (y.event.at as number));
    expect(stopped.map((e) => e.actor)).toEqual(['c', 'b', 'a']);
    expect(() => sys.ref('b').send({ kind: 'x' })).toThrow(expect.objectContaining({ code: 'ERR_PEER_CLOSED' }));
  });

  it('fails start with the worker error, naming the thread, and cleans up', async () => {
    const before = resourceCounts();
    const { sys } = system({ registry: { bad: { module: fixture('throwing-actor.mjs') } }, topology: { bad: 'w1' } });
    await expect(sys.start()).rejects.toMatchObject({
      code: 'ERR_INTERNAL',
      message: 'worker thread "w1" failed to start: createActor exploded',
    });
    expectNoNewResources(before);
  });

  it('fails start when a module does not export createActor', async () => {
    const { sys } = system({ registry: { bad: { module: fixture('no-factory-actor.mjs') } }, topology: { bad: 'main' } });
    await expect(sys.start()).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('exports no createActor function') });
  });

  it('times out a worker that does not start in time', async () => {
    const { sys } = system({ registry: { stuck: { module: fixture('stuck-actor.mjs') } }, topology: { stuck: 'w1' }, startTimeoutMs: 300 });
    await expect(sys.start()).rejects.toMatchObject({ name: 'TimeoutError', code: 'ERR_TIMEOUT', message: 'worker thread "w1" did not start within 300 ms' });
  });

  it('validates its options before starting anything', () => {
    expect(() => new ActorSystem({}, { registry: PING_ECHO, topology: { ping: 'main' } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('does not place actor "echo"') }),
    );
    expect(() => new ActorSystem({}, { registry: { a: { module: './a.js' } } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('must be absolute') }),
    );
    expect(() => new ActorSystem({}, { registry: PING_ECHO, topology: { ping: 'main', echo: 'main' }, ringBytes: 1000 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('options.ringBytes must be a power of two') }),
    );
  });

  it('refuses actor options that are not plain data', async () => {
    const { sys } = system({ registry: { echo: { module: ECHO, options: { replyTo: 'echo', fn: () => 1 } } }, topology: { echo: 'w1' } });
    await expect(sys.start()).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('must be plain data') });
  });

  it('refuses sends beyond the bound with BackpressureError, and whenWritable waits for room', async () => {
    const { sys } = system({ registry: PING_ECHO, topology: { ping: 'main', echo: 'main' }, mailboxCapacity: 4 });
    await sys.start();
    const echo = sys.ref('echo');
    for (let i = 0; i < 4; i++) echo.send({ kind: 'ping', seq: i });
    expect(echo.trySend({ kind: 'ping', seq: 4 })).toBe(false);
    expect(() => echo.send({ kind: 'ping', seq: 4 })).toThrow(expect.objectContaining({ code: 'ERR_BACKPRESSURE' }));
    await echo.whenWritable();
    expect(echo.trySend({ kind: 'ping', seq: 4 })).toBe(true);
  });
});
