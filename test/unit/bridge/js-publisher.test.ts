import { describe, expect, it } from 'vitest';
import { parsePubAck } from '../../../bridge/js-publisher.js';

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
});
