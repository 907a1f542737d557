import { describe, it, expect } from 'vitest';
import { PeerRoster, formatPeerTable, formatZones } from '../../../cli/commands/peers.js';

const joined = (name: string, incarnation: number, patterns: string[] = []) => ({ name, incarnation, host: '127.0.0.1', port: 47800, patterns });

describe('PeerRoster', () => {
  it('lists joined peers by name with their address and patterns', () => {
    const r = new PeerRoster();
    r.onJoined(joined('zeta', 2, ['a.>']), 100);
    r.onJoined(joined('alpha', 1, ['x.*', 'y.>']), 200);
    expect(r.list().map((p) => [p.name, p.incarnation, p.patterns, p.state, p.lastHeardMs])).toEqual([
      ['alpha', 1, ['x.*', 'y.>'], 'up', 200],
      ['zeta', 2, ['a.>'], 'up', 100],
    ]);
  });

  it('keeps a peer that left with the reason, and lists a restarted peer\'s live incarnation first', () => {
    const r = new PeerRoster();
    r.onJoined(joined('feed', 1), 100);
    r.onLeft({ name: 'feed', incarnation: 1, reason: 'restarted' }, 300);
    r.onJoined(joined('feed', 2), 300);
    expect(r.list().map((p) => [p.incarnation, p.state, p.lastHeardMs])).toEqual([
      [2, 'up', 300],
      [1, 'restarted', 300],
    ]);
  });

  it('ignores a leave of a peer it never saw join', () => {
    const r = new PeerRoster();
    r.onLeft({ name: 'ghost', incarnation: 9, reason: 'bye' }, 1);
    expect(r.list()).toEqual([]);
  });
});

describe('formatPeerTable', () => {
  it('prints one row per peer with the age of its last join, update or leave', () => {
    const r = new PeerRoster();
    r.onJoined(joined('feed', 42, ['meeting.>']), 1000);
    const lines = formatPeerTable(r.list(), 2500).split('\n');
    expect(lines[0]).toMatch(/^peer\s+incarnation\s+address\s+role\s+subjects\/patterns\s+state\s+last change$/);
    expect(lines[2]).toMatch(/^feed\s+42\s+127\.0\.0\.1:47800\s+peer\s+meeting\.>\s+up\s+1\.5 s ago$/);
  });

  it('shows a zone bridge as such, with the zones it imports from, and hides the reserved patterns', () => {
    const r = new PeerRoster();
    r.onJoined(joined('bridge-paris', 7, ['_LC_BRIDGE.paris', '_LC_ZONE.tokyo', '_LC_ZONE.berlin', 'orders.>', '_LC_RELAY.x1.>', '_INBOX.bridge-paris.7.>']), 1000);
    const lines = formatPeerTable(r.list(), 1000).split('\n');
    expect(lines[2]).toMatch(/^bridge-paris\s+7\s+127\.0\.0\.1:47800\s+bridge of zone paris, importing from berlin, tokyo\s+orders\.>\s+up/);
  });

  it('shows a bridge that imports nothing now as not importing (a standby, or export only)', () => {
    const r = new PeerRoster();
    r.onJoined(joined('bridge-paris-2', 3, ['_LC_BRIDGE.paris', 'orders.>']), 1000);
    expect(formatPeerTable(r.list(), 1000).split('\n')[2]).toMatch(/^bridge-paris-2\s+3\s+127\.0\.0\.1:47800\s+bridge of zone paris, not importing\s+orders\.>\s+up/);
  });

  it('says so when no peer was heard', () => {
    expect(formatPeerTable([], 0)).toBe('no peers heard');
  });
});

describe('formatZones', () => {
  it("sums up this zone's live bridges and the remote zones reachable, with the bridge each comes through", () => {
    const r = new PeerRoster();
    r.onJoined(joined('feed', 1, ['orders.>']), 0);
    r.onJoined(joined('bridge-paris-1', 7, ['_LC_BRIDGE.paris', '_LC_ZONE.tokyo', '_LC_ZONE.berlin']), 0);
    r.onJoined(joined('bridge-paris-2', 3, ['_LC_BRIDGE.paris']), 0);
    r.onJoined(joined('bridge-old', 1, ['_LC_BRIDGE.paris', '_LC_ZONE.rome']), 0);
    r.onLeft({ name: 'bridge-old', incarnation: 1, reason: 'expired' }, 1);
    expect(formatZones(r.list())).toEqual([
      'zone paris: bridges bridge-paris-1 (importing), bridge-paris-2 (not importing)',
      'remote zones: berlin (via bridge-paris-1), tokyo (via bridge-paris-1)',
    ]);
  });

  it('says when no bridge imports, and prints nothing when no bridge was heard', () => {
    const r = new PeerRoster();
    r.onJoined(joined('bridge-paris-2', 3, ['_LC_BRIDGE.paris']), 0);
    expect(formatZones(r.list())).toEqual(['zone paris: bridge bridge-paris-2 (not importing)', 'remote zones: none imported now']);
    const plain = new PeerRoster();
    plain.onJoined(joined('feed', 1, ['orders.>']), 0);
    expect(formatZones(plain.list())).toEqual([]);
  });
});
