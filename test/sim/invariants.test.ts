/**
 * The simulator's checker must catch what it claims to: a run is replayed, then its record is
 * damaged in one way at a time and the matching violation must appear.
 */
import { describe, expect, it } from 'vitest';
import { paramsForSeed, runScenario } from './scenario.js';
import type { SimPeer } from './sim-peer.js';
import { checkInvariants } from './invariants.js';

function peersOfRun(seed: number): SimPeer[] {
  const result = runScenario(paramsForSeed(seed));
  expect(result.violations).toEqual([]);
  return result.peers;
}

const bounds = { windowMessages: 4096, reorderBufferMessages: 1024 };

describe('simulator invariant checker', () => {
  it('reports a message that was neither delivered nor reported lost', () => {
    const peers = peersOfRun(11);
    const sub = peers.find((p) => p.delivered.length > 0)!;
    sub.delivered.splice(Math.floor(sub.delivered.length / 2), 1);
    expect(checkInvariants(peers, bounds).map((v) => v.kind)).toContain('silentGap');
  });

  it('reports a duplicate and an out-of-order delivery', () => {
    const peers = peersOfRun(11);
    const sub = peers.find((p) => p.delivered.length > 2)!;
    sub.delivered.push(sub.delivered[0]);
    const kinds = checkInvariants(peers, bounds).map((v) => v.kind);
    expect(kinds).toContain('duplicate');
    expect(kinds).toContain('order');
  });

  it('reports a loss of data the sender still held', () => {
    const peers = peersOfRun(11);
    const sub = peers.find((p) => p.delivered.length > 0)!;
    const d = sub.delivered[0];
    sub.losses.push({ sender: d.sender.name, subject: d.subject, from: d.seq, to: d.seq, reason: 'timeout', atMs: 0 });
    expect(checkInvariants(peers, bounds).map((v) => v.kind)).toContain('lossWhileHeld');
  });

  it('reports a stream whose application view does not begin at its first seq', () => {
    const peers = peersOfRun(11);
    const sub = peers.find((p) => p.delivered.length > 0)!;
    const d = sub.delivered[0];
    sub.delivered.splice(0, 1);
    const kinds = checkInvariants(peers, bounds).map((v) => v.kind);
    expect(d.seq).toBe(1);
    expect(kinds).toContain('startSkip');
  });

  it('reports corrupted payload bytes', () => {
    const peers = peersOfRun(11);
    const sub = peers.find((p) => p.delivered.length > 0)!;
    const d = sub.delivered[0];
    sub.delivered[0] = { ...d, payload: new Uint8Array([...d.payload].map((b) => b ^ 0xff)) };
    expect(checkInvariants(peers, bounds).map((v) => v.kind)).toContain('corrupt');
  });

  it('reports a core whose deadline was still due after its timer ran (a spinning actor timer)', () => {
    const peers = peersOfRun(11);
    expect(checkInvariants(peers, bounds)).toEqual([]);
    peers[0].stats.timerSpins = 1;
    expect(checkInvariants(peers, bounds).map((v) => v.kind)).toEqual(['timerSpin']);
  });
});
