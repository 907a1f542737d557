/**
 * The `logger` option with a fake pino-like logger: what a peer logs, at which level, over its
 * life (start, a peer joining and leaving, a handler error, close). No logger: no logging.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer, InvalidOptionError, type Logger, type Peer } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';

interface Line {
  readonly level: string;
  readonly obj: Record<string, unknown>;
  readonly msg: string | undefined;
  readonly bindings: Record<string, unknown>;
}

/** A logger recording every line, with pino's `child` (bindings carried along). */
function recordingLogger(lines: Line[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      lines.push({ level, obj, msg, bindings });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (b) => recordingLogger(lines, { ...bindings, ...b }) };
}

let peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.map((p) => p.close()));
  peers = [];
});

describe('createPeer({ logger })', () => {
  it('logs start, peers joining and leaving, handler errors and close at their levels', async () => {
    const lines: Line[] = [];
    const net = freshNetwork();
    const a = await createPeer({ ...net, name: 'logged', logger: recordingLogger(lines) });
    peers.push(a);
    const b = await createPeer({ ...net, name: 'other' });
    await sleep(500);
    a.subscribe('log.test', () => {
      throw new Error('handler failed');
    });
    await sleep(300);
    await b.publish('log.test', 1);
    await sleep(300);
    await b.close();
    await sleep(300);
    await a.close();
    peers = [];

    const events = lines.map((l) => `${l.level} ${String(l.obj.event)}`);
    expect(events[0]).toBe('info started');
    expect(events).toContain('info peerJoined');
    expect(events).toContain('error error');
    expect(events).toContain('info peerLeft');
    expect(events.slice(-2)).toEqual(['debug closing', 'info closed']);
    for (const l of lines) expect(l.bindings).toEqual({ peer: 'logged' });
    expect(lines.find((l) => l.obj.event === 'peerJoined')).toMatchObject({ obj: { name: 'other' }, msg: 'peer other joined' });
    expect(lines.find((l) => l.obj.event === 'peerLeft')).toMatchObject({ obj: { name: 'other', reason: 'bye' } });
    expect(lines.find((l) => l.level === 'error')?.msg).toMatch(/handler failed/);
  });

  it('a logger without child gets the peer name in every line', async () => {
    const lines: Line[] = [];
    const { child: _child, ...plain } = recordingLogger(lines);
    const p = await createPeer({ ...freshNetwork(), name: 'plain', logger: plain });
    await p.close();
    expect(lines.map((l) => l.obj.peer)).toEqual(['plain', 'plain', 'plain']);
  });

  it('data loss is a warning naming the stream', async () => {
    const lines: Line[] = [];
    const net = freshNetwork();
    // The subscriber hears the stream (heartbeats, BYE) but none of its messages: when the
    // publisher leaves, they are lost.
    const sub = await createPeer({ ...net, name: 'lossy', logger: recordingLogger(lines), fault: { dropFrameKinds: ['data', 'retransmit'] } });
    peers.push(sub);
    sub.subscribe('loss.>', () => {});
    const pub = await createPeer({ ...net, name: 'src' });
    await sleep(500);
    for (let i = 0; i < 5; i++) await pub.publish('loss.x', i);
    await sleep(200);
    await pub.close({ timeoutMs: 0 });
    await sleep(1000);
    const w = lines.find((l) => l.obj.event === 'dataLoss');
    expect(w).toMatchObject({ level: 'warn', obj: { sender: 'src', subject: 'loss.x', fromSeq: 1, toSeq: 5 } });
    expect(w?.msg).toMatch(/^data loss: loss\.x from src, seq 1\.\.5/);
  });

  it('takes a real pino logger: JSON lines with pino levels, the peer name bound by child()', async () => {
    const out: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.length > 0) out.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const p = await createPeer({ ...freshNetwork(), name: 'with-pino', logger: pino({ level: 'debug' }, sink) });
    await p.close();
    await new Promise((r) => setImmediate(r));
    expect(out.map((l) => [l.level, l.peer, l.event, l.msg])).toEqual([
      [30, 'with-pino', 'started', 'peer with-pino started'],
      [20, 'with-pino', 'closing', 'peer with-pino closing'],
      [30, 'with-pino', 'closed', 'peer with-pino closed'],
    ]);
  });

  it.each([[{}], [{ info: () => {} }], ['console'], [{ debug() {}, info() {}, warn() {}, error() {}, child: 1 }]])('refuses %j as a logger', async (logger) => {
    await expect(createPeer({ ...freshNetwork(), logger: logger as never })).rejects.toThrow(InvalidOptionError);
  });
});
