/** What a monitor shows of the other zones: the bridges heard, the remote zones, and a bridge's own import of each. */
import { describe, expect, it } from 'vitest';
import { zonesView } from '../../../monitor/zones-view.js';
import { MonitorState } from '../../../monitor/monitor-state.js';
import type { PeerJoinedEvent } from '../../../actors/app/peer-events.js';
import type { BridgeStats } from '../../../bridge/bridge.js';
import type { ZoneImportStats } from '../../../bridge/import-progress.js';

const peer = (name: string, patterns: string[]): PeerJoinedEvent => ({ name, incarnation: 1, host: '127.0.0.1', port: 47800, patterns }) as PeerJoinedEvent;
const zone = (z: string, over: Partial<ZoneImportStats> = {}): ZoneImportStats => ({
  zone: z,
  imported: 0,
  redelivered: 0,
  losses: 0,
  filtered: 0,
  pending: undefined,
  inFlight: 0,
  lagMessages: undefined,
  delayMs: undefined,
  lastImportedAgoMs: undefined,
  checkedAgoMs: undefined,
  ...over,
});

describe('zonesView', () => {
  it('finds the bridges among the peers heard, the remote zones they import from now, and which bridge each comes through', () => {
    const v = zonesView(
      [
        peer('feed', ['orders.>']),
        peer('bridge-2', ['_LC_BRIDGE.paris', 'orders.>']), // stands by
        peer('bridge-1', ['_LC_BRIDGE.paris', '_LC_ZONE.tokyo', '_LC_ZONE.berlin', 'orders.>']),
      ],
      new Map(),
      undefined,
    );
    expect(v.localZones).toEqual(['paris']);
    expect(v.bridges).toEqual([
      { name: 'bridge-1', incarnation: 1, zone: 'paris', importingFrom: ['berlin', 'tokyo'] },
      { name: 'bridge-2', incarnation: 1, zone: 'paris', importingFrom: [] },
    ]);
    expect(v.remote).toEqual([
      { zone: 'berlin', via: ['bridge-1'], heard: 0, lastHeardMs: undefined, import: undefined },
      { zone: 'tokyo', via: ['bridge-1'], heard: 0, lastHeardMs: undefined, import: undefined },
    ]);
  });

  it('lists a zone heard in messages (msg.origin) even with no bridge heard, with what came from it', () => {
    const v = zonesView([], new Map([['tokyo', { messages: 12, lastMs: 500 }]]), undefined);
    expect(v.localZones).toEqual([]);
    expect(v.remote).toEqual([{ zone: 'tokyo', via: [], heard: 12, lastHeardMs: 500, import: undefined }]);
  });

  it("monitoring a bridge's own peer: the bridge itself is listed (a peer does not hear its own adverts) with its import of each zone", () => {
    const london = zone('london', { imported: 40, inFlight: 3, pending: 7, lagMessages: 10, delayMs: 12 });
    const v = zonesView([peer('bridge-b', ['_LC_BRIDGE.paris'])], new Map(), [london], { name: 'bridge-a', incarnation: 9, zone: 'paris', importingFrom: ['london'] });
    expect(v.bridges.map((b) => b.name)).toEqual(['bridge-a', 'bridge-b']);
    expect(v.remote).toEqual([{ zone: 'london', via: ['bridge-a'], heard: 0, lastHeardMs: undefined, import: london }]);
  });
});

describe('MonitorState with zones', () => {
  const self = { name: 'mon', incarnation: 1, startedMs: 0 };

  it('lists an imported stream under its origin zone, sender and seq, and counts messages per origin zone', () => {
    const s = new MonitorState({ historySize: 2 });
    s.onMessage('bridge-1', 'orders.eu', 501, 10, { zone: 'tokyo', sender: 'pub-t', incarnation: 3, seq: 41 });
    s.onMessage('bridge-1', 'orders.eu', 502, 20, { zone: 'tokyo', sender: 'pub-t', incarnation: 3, seq: 42 });
    s.onMessage('pub-local', 'orders.eu', 7, 30);
    const snap = s.snapshot(self, [peer('bridge-1', ['_LC_BRIDGE.paris', '_LC_ZONE.tokyo'])], 40);
    expect(snap.streams).toEqual([
      { sender: 'pub-local', subject: 'orders.eu', messages: 1, lastSeq: 7, lastMs: 30 },
      { sender: 'pub-t', zone: 'tokyo', subject: 'orders.eu', messages: 2, lastSeq: 42, lastMs: 20 },
    ]);
    expect(snap.zones.remote).toEqual([{ zone: 'tokyo', via: ['bridge-1'], heard: 2, lastHeardMs: 20, import: undefined }]);
    expect(snap.bridge).toBeUndefined();
  });

  it('counts at most maxZones origin zones', () => {
    const s = new MonitorState({ historySize: 2, maxZones: 1 });
    s.onMessage('b', 'x', 1, 1, { zone: 'z1', sender: 'p', incarnation: 1, seq: 1 });
    s.onMessage('b', 'x', 2, 2, { zone: 'z2', sender: 'p', incarnation: 1, seq: 1 });
    expect(s.snapshot(self, [], 3).zones.remote.map((r) => r.zone)).toEqual(['z1']);
  });

  it("with a bridge's stats: serves them, and the bridge's import of each zone in the zone rows", () => {
    const s = new MonitorState({ historySize: 2 });
    const bridge = { zone: 'paris', import: { active: true, zones: ['london'], byZone: [zone('london', { imported: 5 })] } } as unknown as BridgeStats;
    const snap = s.snapshot(self, [], 0, bridge);
    expect(snap.bridge).toBe(bridge);
    expect(snap.zones.bridges).toEqual([{ name: 'mon', incarnation: 1, zone: 'paris', importingFrom: ['london'] }]);
    expect(snap.zones.remote[0]).toMatchObject({ zone: 'london', via: ['mon'], import: { imported: 5 } });
  });
});
