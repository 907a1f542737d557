/** The monitor's memory stays bounded, and its rates are per second between the last two samples. */
import { describe, expect, it } from 'vitest';
import { MonitorState } from '../../../monitor/monitor-state.js';
import { figuresOf, type PeerFigures } from '../../../monitor/figures.js';
import type { PeerStats } from '../../../actors/app/peer.js';

const figures = (published: number, delivered = 0): PeerFigures => figuresOf({ app: { published, delivered }, actors: {} } as unknown as PeerStats);
const self = { name: 'm', incarnation: 1, startedMs: 0 };

describe('MonitorState', () => {
  it('keeps the last historySize samples, oldest first', () => {
    const s = new MonitorState({ historySize: 3 });
    for (let i = 1; i <= 5; i++) s.sample(i * 1000, figures(i * 10));
    expect(s.snapshot(self, [], 6000).history.map((p) => p.published)).toEqual([30, 40, 50]);
  });

  it('rates are per second between the last two samples', () => {
    const s = new MonitorState({ historySize: 10 });
    expect(s.snapshot(self, [], 0).rates.published).toBe(0);
    s.sample(1000, figures(100, 10));
    s.sample(1500, figures(150, 60));
    const r = s.snapshot(self, [], 1500).rates;
    expect(r.published).toBe(100);
    expect(r.delivered).toBe(100);
  });

  it('counts streams heard, at most maxStreams of them, and the rest as omitted', () => {
    const s = new MonitorState({ historySize: 2, maxStreams: 2 });
    s.onMessage('a', 'x.1', 1, 10);
    s.onMessage('a', 'x.1', 2, 20);
    s.onMessage('b', 'x.2', 7, 30);
    s.onMessage('c', 'x.3', 1, 40);
    const snap = s.snapshot(self, [], 50);
    expect(snap.streams).toEqual([
      { sender: 'a', subject: 'x.1', messages: 2, lastSeq: 2, lastMs: 20 },
      { sender: 'b', subject: 'x.2', messages: 1, lastSeq: 7, lastMs: 30 },
    ]);
    expect(snap.streamsOmitted).toBe(1);
  });

  it('keeps the last maxEvents events', () => {
    const s = new MonitorState({ historySize: 2, maxEvents: 2 });
    for (let i = 0; i < 5; i++) s.onEvent(i, 'dataLoss', `e${i}`);
    expect(s.snapshot(self, [], 5).events.map((e) => e.text)).toEqual(['e3', 'e4']);
  });
});
