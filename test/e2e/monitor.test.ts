/**
 * The HTTP monitor as a user meets it: `createPeer({ monitor: { port: 0 } })`, then `/metrics`,
 * `/api/state` and `/` over HTTP while another peer publishes. In one process, on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer, InvalidOptionError, InvalidSubjectError, type Peer } from '../../dist/index.js';
import { freshNetwork, freshPort, sleep } from './helpers.js';

let peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.map((p) => p.close()));
  peers = [];
});

async function start(options: Parameters<typeof createPeer>[0]): Promise<Peer> {
  const p = await createPeer(options);
  peers.push(p);
  return p;
}

async function get(url: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: string }> {
  const r = await fetch(url, init);
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
}

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('createPeer({ monitor })', () => {
  it('serves /metrics, /api/state and the page on 127.0.0.1, with what flowed', async () => {
    const net = freshNetwork();
    const monitor = await start({ ...net, name: 'mon', monitor: { port: 0, subscribe: ['mon.>'], sampleIntervalMs: 200 } });
    const pub = await start({ ...net, name: 'pub' });
    expect(monitor.monitorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await sleep(500);
    for (let i = 0; i < 300; i++) await pub.publish('mon.ticks', i);
    await sleep(800);

    const metrics = await get(`${monitor.monitorUrl}metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(metrics.body, 'ledgecast_messages_delivered_total{peer="mon"}')).toBe(300);
    expect(sample(metrics.body, 'ledgecast_peers{peer="mon"}')).toBe(1);
    expect(sample(metrics.body, 'ledgecast_streams{peer="mon",direction="in"}')).toBe(1);

    const state = await get(`${monitor.monitorUrl}api/state`);
    expect(state.type).toMatch(/^application\/json/);
    const s = JSON.parse(state.body);
    expect(s.self.name).toBe('mon');
    expect(s.peers.map((p: { name: string }) => p.name)).toEqual(['pub']);
    expect(s.streams).toEqual([expect.objectContaining({ sender: 'pub', subject: 'mon.ticks', messages: 300, lastSeq: 300 })]);
    expect(s.figures.delivered).toBe(300);
    expect(s.history.length).toBeGreaterThanOrEqual(3);
    expect(s.events.map((e: { kind: string }) => e.kind)).toContain('peerJoined');

    const page = await get(monitor.monitorUrl!);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>ledgecast monitor</title>');
    expect(page.body).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//); // nothing fetched from elsewhere

    expect((await get(`${monitor.monitorUrl}nope`)).status).toBe(404);
    expect((await get(`${monitor.monitorUrl}metrics`, { method: 'POST' })).status).toBe(405);
  });

  it("shows the zones: a bridge heard from its adverts, messages from another zone under their origin, and imported repeats dropped (stats().app.originDuplicates)", async () => {
    const net = freshNetwork();
    const monitor = await start({ ...net, name: 'mon', monitor: { port: 0, subscribe: ['z.>'], sampleIntervalMs: 200 } });
    // Stands in for a zone bridge: advertises _LC_BRIDGE / _LC_ZONE, and publishes with origin
    // markers as bridge/importer.ts does, one of them twice (a bridge restarted before it confirmed it).
    const bridge = await start({ ...net, name: 'bridge-1' });
    bridge.subscribe('_LC_BRIDGE.paris', () => undefined);
    bridge.subscribe('_LC_ZONE.tokyo', () => undefined);
    await sleep(500);
    const origin = (seq: number): string => `_LC_ORIGIN.tokyo.${Buffer.from('pub-t').toString('base64url')}.1.${seq}`;
    for (const seq of [1, 2, 2, 3]) await bridge.publish('z.orders', seq, { replyTo: origin(seq) });
    await sleep(800);

    expect((await monitor.stats()).app.originDuplicates).toBe(1);
    expect(sample((await get(`${monitor.monitorUrl}metrics`)).body, 'ledgecast_origin_duplicates_total{peer="mon"}')).toBe(1);
    const s = JSON.parse((await get(`${monitor.monitorUrl}api/state`)).body);
    expect(s.figures.originDuplicates).toBe(1);
    expect(s.zones).toEqual({
      localZones: ['paris'],
      bridges: [{ name: 'bridge-1', incarnation: bridge.incarnation, zone: 'paris', importingFrom: ['tokyo'] }],
      remote: [{ zone: 'tokyo', via: ['bridge-1'], heard: 3, lastHeardMs: expect.any(Number) }],
    });
    expect(s.streams).toEqual([expect.objectContaining({ sender: 'pub-t', zone: 'tokyo', subject: 'z.orders', messages: 3, lastSeq: 3 })]);
  });

  it('keeps at most historySize samples', async () => {
    const p = await start({ ...freshNetwork(), monitor: { port: 0, historySize: 3, sampleIntervalMs: 100 } });
    await sleep(700);
    const s = JSON.parse((await get(`${p.monitorUrl}api/state`)).body);
    expect(s.history).toHaveLength(3);
  });

  it('stops serving when the peer closes', async () => {
    const port = freshPort();
    const p = await createPeer({ ...freshNetwork(), monitor: { port } });
    expect(p.monitorUrl).toBe(`http://127.0.0.1:${port}/`);
    expect((await get(`${p.monitorUrl}metrics`)).status).toBe(200);
    await p.close();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('a port in use fails createPeer, and the peer is closed', async () => {
    const first = await start({ ...freshNetwork(), monitor: { port: 0 } });
    const port = Number(new URL(first.monitorUrl!).port);
    await expect(createPeer({ ...freshNetwork(), monitor: { port } })).rejects.toThrow(/monitor: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });

  it.each([
    [{ port: -1 }, InvalidOptionError, /options\.monitor\.port must be an integer in 0\.\.65535/],
    [{ port: 80, host: 'example.com' }, InvalidOptionError, /options\.monitor\.host must be an IP address/],
    [{ port: 80, bogus: 1 }, InvalidOptionError, /options\.monitor\.bogus is not a known option/],
    [{ port: 80, subscribe: ['a..b'] }, InvalidSubjectError, /a\.\.b/],
    [8080, InvalidOptionError, /options\.monitor must be an object/],
  ])('bad monitor option %j is refused before anything is bound', async (monitor, type, message) => {
    const err = await createPeer({ ...freshNetwork(), monitor: monitor as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });
});
