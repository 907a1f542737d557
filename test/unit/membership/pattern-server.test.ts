import { describe, expect, it } from 'vitest';
import { PatternServer } from '../../../actors/membership/pattern-server.js';
import { encodeFrame, patternSetDigest } from '../../../codecs/index.js';
import type { AdvertFrame, PeerId } from '../../../codecs/index.js';

const ME: PeerId = { name: 'me', incarnation: 7 };
const A: PeerId = { name: 'a', incarnation: 1 };
const BASE = { host: '127.0.0.1', port: 4000, flags: 3 };
const setOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `s.${String(i).padStart(5, '0')}`);

function server(o: Partial<ConstructorParameters<typeof PatternServer>[1]> = {}): PatternServer {
  return new PatternServer(ME, { maxDatagramBytes: 1400, inlineBytes: 200, answersPerSecond: 100, logSteps: 64, logPatterns: 4096, ...o });
}

describe('PatternServer', () => {
  it('carries a small set inline and pushes no delta for it; a large one by version only, its changes as deltas', () => {
    const s = server();
    s.update(['a', 'b']);
    expect(s.inline).toBe(true);
    expect(s.advert(BASE)).toMatchObject({ patterns: ['a', 'b'], setVersion: 2 });
    s.markAdvertised();
    s.update(['a']);
    expect(s.changeDelta()).toBeUndefined();
    s.update(setOf(500));
    s.markAdvertised();
    expect(s.advert(BASE)).toMatchObject({ patterns: [], setVersion: 4, setSize: 500 });
    s.update([...setOf(500), 'x']);
    s.update([...setOf(500), 'x', 'y']);
    const set = [...setOf(500), 'x', 'y'].sort();
    expect(s.changeDelta()).toEqual({ kind: 'patternsDelta', sender: ME, fromVersion: 4, toVersion: 6, setSize: 502, setDigest: patternSetDigest(set), added: ['x', 'y'], removed: [] });
  });

  it('does not push a change larger than a datagram (the listeners fetch the whole set)', () => {
    const s = server();
    s.update(setOf(10));
    s.markAdvertised();
    s.update(setOf(500));
    expect(s.changeDelta()).toBeUndefined();
    expect(s.counters.deltasNotPushed).toBe(1);
  });

  it('answers at most answersPerSecond requests, pages and deltas together, every page within a datagram', () => {
    const s = server({ answersPerSecond: 3 });
    s.update(setOf(500));
    s.update([...setOf(500), 'x']);
    const page = s.onRequest(0, { kind: 'patternsRequest', sender: A, targetIncarnation: 7, setVersion: 3, fromIndex: 100 }, BASE) as AdvertFrame;
    expect(page.fromIndex).toBe(100);
    expect(encodeFrame(page).byteLength).toBeLessThanOrEqual(1400);
    expect(s.onDeltaRequest(1, { kind: 'patternsDeltaRequest', sender: A, targetIncarnation: 7, fromVersion: 2, toVersion: 3 }, BASE)).toMatchObject({ kind: 'patternsDelta', added: ['x'] });
    expect(s.onDeltaRequest(2, { kind: 'patternsDeltaRequest', sender: A, targetIncarnation: 7, fromVersion: 1, toVersion: 3 }, BASE)).toMatchObject({ kind: 'advert', fromIndex: 0 });
    expect(s.onRequest(3, { kind: 'patternsRequest', sender: A, targetIncarnation: 7, setVersion: 3, fromIndex: 0 }, BASE)).toBeUndefined();
    expect(s.onRequest(1000, { kind: 'patternsRequest', sender: A, targetIncarnation: 7, setVersion: 3, fromIndex: 0 }, BASE)).toBeDefined();
    expect(s.counters).toMatchObject({ patternPagesSent: 2, deltaAnswersSent: 1, deltaRequestsAnsweredFull: 1, patternRequestsIgnored: 1 });
  });

  it('ignores a request for another incarnation, or from a version not older than ours', () => {
    const s = server();
    s.update(setOf(500));
    expect(s.onDeltaRequest(0, { kind: 'patternsDeltaRequest', sender: A, targetIncarnation: 8, fromVersion: 1, toVersion: 2 }, BASE)).toBeUndefined();
    expect(s.onDeltaRequest(0, { kind: 'patternsDeltaRequest', sender: A, targetIncarnation: 7, fromVersion: 2, toVersion: 3 }, BASE)).toBeUndefined();
    expect(s.onRequest(0, { kind: 'patternsRequest', sender: A, targetIncarnation: 8, setVersion: 2, fromIndex: 0 }, BASE)).toBeUndefined();
    expect(s.counters).toMatchObject({ deltaRequestsIgnored: 2, patternRequestsIgnored: 1 });
  });
});
