import { describe, it, expect } from 'vitest';
import { Message } from '../../../actors/app/message.js';
import { encodePayload } from '../../../codecs/payload-codec.js';
import { dataLossToJsonLine, messageLine, messageToJsonLine, toJsonLine } from '../../../cli/json-line.js';

function message(data: unknown, replyTo?: string): Message {
  const { flags, payload } = encodePayload(data);
  return new Message('a.b', { name: 'feed', incarnation: 7 }, 3, replyTo, payload, flags);
}

describe('messageToJsonLine', () => {
  it('prints subject, sender, seq and the decoded value', () => {
    expect(messageToJsonLine(message({ price: 1.5, tags: ['x'] }))).toBe('{"subject":"a.b","sender":"feed","seq":3,"data":{"price":1.5,"tags":["x"]}}');
    expect(JSON.parse(messageToJsonLine(message(0)))).toEqual({ subject: 'a.b', sender: 'feed', seq: 3, data: 0 });
  });

  it('prints a raw payload as base64 with "encoding":"base64"', () => {
    const line = JSON.parse(messageToJsonLine(message(new Uint8Array([0, 1, 2, 255]))));
    expect(line).toEqual({ subject: 'a.b', sender: 'feed', seq: 3, data: 'AAEC/w==', encoding: 'base64' });
    expect([...Buffer.from(line.data, 'base64')]).toEqual([0, 1, 2, 255]);
  });

  it('adds replyTo for a request', () => {
    expect(messageLine(message('q', '_INBOX.x.1'))).toMatchObject({ replyTo: '_INBOX.x.1' });
  });

  it('adds "redelivered":true for a message a durable subscription may have delivered before, and nothing otherwise', () => {
    const { flags, payload } = encodePayload('again');
    const again = new Message('a.b', { name: 'feed', incarnation: 7 }, 3, undefined, payload, flags, undefined, undefined, undefined, undefined, true);
    expect(messageToJsonLine(again)).toBe('{"subject":"a.b","sender":"feed","seq":3,"data":"again","redelivered":true}');
    expect(messageLine(message('first'))).not.toHaveProperty('redelivered');
  });

  it('never throws on msgpack values JSON lacks', () => {
    const line = JSON.parse(messageToJsonLine(message({ bytes: new Uint8Array([1, 2]), when: new Date(0), map: new Map([[1, 'one']]) })));
    expect(line.data).toEqual({ bytes: 'AQI=', when: '1970-01-01T00:00:00.000Z', map: { 1: 'one' } });
  });
});

describe('toJsonLine', () => {
  it('prints a bigint as a number when it is a safe integer, else as a decimal string', () => {
    expect(toJsonLine({ small: 5n, big: 2n ** 70n, negative: -(2n ** 64n) })).toBe('{"small":5,"big":"1180591620717411303424","negative":"-18446744073709551616"}');
  });

  it('maps a Set to an array and a top-level Buffer to base64', () => {
    expect(toJsonLine({ s: new Set([1, 2]) })).toBe('{"s":[1,2]}');
    expect(toJsonLine(Buffer.from('hi'))).toBe('"aGk="');
  });
});

describe('dataLossToJsonLine', () => {
  it('prints the event as a JSON line tagged dataLoss', () => {
    expect(JSON.parse(dataLossToJsonLine({ sender: 'feed', subject: 'a.b', fromSeq: 4, toSeq: 9, reason: 'unavailable' }))).toEqual({
      event: 'dataLoss',
      sender: 'feed',
      subject: 'a.b',
      fromSeq: 4,
      toSeq: 9,
      reason: 'unavailable',
    });
  });

  it('carries unconfirmedToSeq when the event has it', () => {
    const line = JSON.parse(dataLossToJsonLine({ sender: 'feed', subject: 'a.b', fromSeq: 4, toSeq: 9, reason: 'unavailable', unconfirmedToSeq: 6 }));
    expect(line).toMatchObject({ fromSeq: 4, toSeq: 9, unconfirmedToSeq: 6 });
  });

  it('carries skipped when the event has it, and only then', () => {
    expect(JSON.parse(dataLossToJsonLine({ sender: 'feed', subject: 'a.b', fromSeq: 4, toSeq: 9, reason: 'unavailable', skipped: true }))).toMatchObject({ fromSeq: 4, skipped: true });
    expect(JSON.parse(dataLossToJsonLine({ sender: 'feed', subject: 'a.b', fromSeq: 4, toSeq: 9, reason: 'unavailable' }))).not.toHaveProperty('skipped');
  });
});
