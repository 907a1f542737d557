import { describe, expect, it } from 'vitest';
import { parsePubAck, quickPubAck } from '../../../bridge/js-publisher.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('parsePubAck', () => {
  it('reads a stored message and a duplicate', () => {
    expect(parsePubAck(bytes('{"stream":"LC_A","seq":7}'), undefined)).toEqual({ ok: true, duplicate: false, seq: 7 });
    expect(parsePubAck(bytes('{"stream":"LC_A","seq":7,"duplicate":true}'), undefined)).toEqual({ ok: true, duplicate: true, seq: 7 });
  });

  it('fails on a JetStream error, a no-responders status and anything unreadable', () => {
    expect(parsePubAck(bytes('{"error":{"code":503,"description":"maximum bytes exceeded"}}'), undefined)).toEqual({ ok: false, reason: '503 maximum bytes exceeded' });
    expect(parsePubAck(new Uint8Array(0), { hasError: true, code: 503, description: '' })).toEqual({ ok: false, reason: '503 no responders' });
    expect(parsePubAck(bytes('not json'), undefined).ok).toBe(false);
    expect(parsePubAck(bytes('{"seq":1}'), undefined).ok).toBe(false);
  });

  it('reads every shape nats-server writes as JSON.parse does, truncated ones too', () => {
    const json = (s: string) => {
      const b = JSON.parse(s) as { stream?: unknown; seq?: unknown; duplicate?: unknown };
      return typeof b.stream === 'string' && typeof b.seq === 'number' ? { ok: true, duplicate: b.duplicate === true, seq: b.seq } : undefined;
    };
    const shapes = [
      // As nats-server 2.9.10 writes them (read off the wire).
      '{"stream":"LC_A", "seq":1}',
      '{"stream":"LC_A", "seq":1,"duplicate": true}',
      '{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"U","seq":0}',
      '{"stream":"LC_A","seq":1}',
      '{"stream":"LC_paris-2","seq":9007199254740991}',
      '{"stream":"LC_A","domain":"hub","seq":12}',
      '{"stream":"LC_A","domain":"hub","seq":12,"duplicate":true}',
      '{"stream":"LC_\\"q","seq":3}',
      '{"stream":"LC_A","seq":5,"duplicate":false}',
      '{"stream":"LC_A","seq":5,"val":"x"}',
      '{ "stream": "LC_A", "seq": 6 }',
    ];
    for (const s of shapes) if (!s.startsWith('{"error"')) expect(parsePubAck(bytes(s), undefined)).toEqual(json(s));
    expect(parsePubAck(bytes(shapes[2]), undefined)).toEqual({ ok: false, reason: '503 maximum messages exceeded' });
    for (const s of shapes) for (let n = 0; n < s.length; n++) expect(() => parsePubAck(bytes(s.slice(0, n)), undefined)).not.toThrow();
    expect(parsePubAck(bytes('{"stream":"LC_A","seq":7'), undefined).ok).toBe(false);
    expect(parsePubAck(bytes('{"stream":"LC_A","seq":}'), undefined).ok).toBe(false);
    expect(parsePubAck(bytes('{"stream":"LC_A","seq":7}x'), undefined).ok).toBe(false);
  });

  it('reads the shapes nats-server 2.9.10 writes without JSON.parse', () => {
    expect(quickPubAck(bytes('{"stream":"LC_A", "seq":12}'))).toEqual({ ok: true, duplicate: false, seq: 12 });
    expect(quickPubAck(bytes('{"stream":"LC_A", "seq":12,"duplicate": true}'))).toEqual({ ok: true, duplicate: true, seq: 12 });
    expect(quickPubAck(bytes('{"stream":"LC_A", "domain":"hub", "seq":3}'))).toEqual({ ok: true, duplicate: false, seq: 3 });
    expect(quickPubAck(bytes('{"error":{"code":503},"stream":"U","seq":0}'))).toBeUndefined();
  });
});
