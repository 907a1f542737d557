import { describe, it, expect } from 'vitest';
import { Readable } from 'node:stream';
import { messagesOf, sizedPayload } from '../../../cli/commands/pub.js';

const io = (text = '') => ({ stdin: Readable.from([text]), stop: new AbortController().signal });

async function collect(source: Iterable<unknown> | AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of source) out.push(x);
  return out;
}

describe('messagesOf', () => {
  it('yields the JSON numbers 0..N-1 for a sequence, synchronously', () => {
    const source = messagesOf({ kind: 'sequence', count: 4 }, io());
    expect(Symbol.iterator in source).toBe(true);
    expect([...(source as Iterable<unknown>)]).toEqual([0, 1, 2, 3]);
  });

  it('repeats a value count times', async () => {
    expect(await collect(messagesOf({ kind: 'value', value: { a: 1 }, count: 2 }, io()))).toEqual([{ a: 1 }, { a: 1 }]);
  });

  it('yields raw payloads of the given size', async () => {
    const payloads = (await collect(messagesOf({ kind: 'bytes', sizeBytes: 6, count: 2 }, io()))) as Uint8Array[];
    expect(payloads.map((p) => p.byteLength)).toEqual([6, 6]);
    expect(payloads[0]).toBeInstanceOf(Uint8Array);
  });

  it('reads one message per non-blank stdin line, JSON when it parses, else text', async () => {
    const source = messagesOf({ kind: 'stdin' }, io('{"a":1}\r\nhello\n\n  \n42\nlast line without newline'));
    expect(Symbol.asyncIterator in source).toBe(true);
    expect(await collect(source)).toEqual([{ a: 1 }, 'hello', 42, 'last line without newline']);
  });
});

describe('sizedPayload', () => {
  it('carries the message index in its first 4 bytes (little-endian) when it has them', () => {
    const p = sizedPayload(8, 258);
    expect(new DataView(p.buffer).getUint32(0, true)).toBe(258);
    expect(sizedPayload(0, 5).byteLength).toBe(0);
    expect(sizedPayload(3, 5).byteLength).toBe(3);
  });
});
