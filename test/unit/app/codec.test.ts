import { describe, it, expect } from 'vitest';
import { MSGPACK_CODEC, resolveCodec } from '../../../actors/app/codec.js';
import { patternMatches } from '../../../actors/subjects/subject.js';
import { Message } from '../../../actors/app/message.js';
import { DecodeError, InvalidOptionError } from '../../../errors.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const messageOf = (codecName: unknown, value: unknown) => {
  const codec = resolveCodec('options.codec', codecName);
  const { flags, payload } = codec.encode(value);
  return new Message<unknown>('a.b', { name: 'p', incarnation: 1 }, 1, undefined, payload, flags, undefined, undefined, codec);
};

describe('payload codecs', () => {
  it("'msgpack' (the default) keeps what publish did before codecs: bytes raw, values msgpack", () => {
    expect(resolveCodec('options.codec', undefined)).toBe(MSGPACK_CODEC);
    expect(messageOf('msgpack', { a: [1, 2] }).data).toEqual({ a: [1, 2] });
    expect(messageOf('msgpack', { a: 1 }).isValue).toBe(true);
    const raw = bytes('xyz');
    expect(messageOf('msgpack', raw).data).toBe(raw);
  });

  it("'json' round-trips through UTF-8 JSON and throws on bytes that are not JSON", () => {
    const m = messageOf('json', { n: 7, s: 'é' });
    expect(new TextDecoder().decode(m.raw)).toBe('{"n":7,"s":"é"}');
    expect(m.data).toEqual({ n: 7, s: 'é' });
    const bad = new Message('a.b', { name: 'p', incarnation: 1 }, 1, undefined, bytes('{nope'), 0, undefined, undefined, resolveCodec('c', 'json'));
    // Typed, naming the message and the codec, the parser's error as its cause.
    expect(() => bad.data).toThrow(DecodeError);
    expect(() => bad.data).toThrow(/message 1 of "a.b" from p: the json codec cannot decode/);
    let caught: unknown;
    try {
      void bad.data;
    } catch (err) {
      caught = err;
    }
    expect((caught as DecodeError).code).toBe('ERR_DECODE');
    expect((caught as DecodeError).cause).toBeInstanceOf(SyntaxError);
  });

  it("'raw' takes bytes only and hands bytes back; an application codec gets the bytes", () => {
    expect(() => resolveCodec('c', 'raw').encode({ a: 1 })).toThrow(InvalidOptionError);
    expect(messageOf('raw', bytes('ab')).data).toEqual(bytes('ab'));
    const upper = { encode: (s: string) => bytes(s), decode: (b: Uint8Array) => new TextDecoder().decode(b).toUpperCase() };
    expect(messageOf(upper, 'hi').data).toBe('HI');
    expect(() => resolveCodec('c', { encode: () => 'not bytes', decode: () => 1 }).encode(1)).toThrow(/must return a Uint8Array/);
  });

  it('refuses what is not a codec, naming the option', () => {
    expect(() => resolveCodec('subscribe options.codec', 'yaml')).toThrow(/subscribe options.codec must be/);
    expect(() => resolveCodec('options.codec', { encode: () => new Uint8Array() })).toThrow(InvalidOptionError);
  });

  it('a reply decoded by its request’s codec is the same message otherwise', () => {
    const m = messageOf('msgpack', bytes('{"x":1}'));
    const j = m.withCodec(resolveCodec('c', 'json'));
    expect(j.data).toEqual({ x: 1 });
    expect([j.subject, j.sender, j.seq, j.raw]).toEqual([m.subject, m.sender, m.seq, m.raw]);
  });
});

describe('patternMatches (no-responders check)', () => {
  it('matches as subscriptions do: * one token, > one or more at the end', () => {
    expect(patternMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(patternMatches('a.*.c', 'a.b.d')).toBe(false);
    expect(patternMatches('a.>', 'a.b.c')).toBe(true);
    expect(patternMatches('a.>', 'a')).toBe(false);
    expect(patternMatches('a.b', 'a.b.c')).toBe(false);
    expect(patternMatches('a.b.c', 'a.b')).toBe(false);
    expect(patternMatches('>', 'x')).toBe(true);
  });
});
