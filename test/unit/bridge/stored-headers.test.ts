import { describe, expect, it } from 'vitest';
import { headers, Kind, MsgHdrsImpl, MsgImpl, Parser, type MsgArg, type MsgHdrs, type ParserEvent } from '@nats-io/transport-node';
import { DeliveredHeaders, rawHeaderBlock, readStoredHeaders, sameStoredHeaders, storedHeadersOf } from '../../../bridge/stored-headers.js';

const TE = new TextEncoder();

/** The header block as the exporter's client puts it on the wire. */
function block(set: (h: MsgHdrs) => void): string {
  const h = headers();
  set(h);
  return (h as MsgHdrsImpl).toString();
}

/** Both readings of `b`: ours, and the NATS client's decode + get. */
function both(b: string) {
  return { ours: readStoredHeaders(b), client: storedHeadersOf(MsgHdrsImpl.decode(TE.encode(b))) };
}

describe('readStoredHeaders', () => {
  it("reads an exported message's identity as the NATS client does", () => {
    const b = block((h) => {
      h.set('Nats-Msg-Id', 'paris.7.42.ZmVlZA.a.b');
      h.set('Lc-Sender', 'feed.host 1/é');
      h.set('Lc-Incarnation', '7');
      h.set('Lc-Seq', '42');
      h.set('Lc-Value', '1');
    });
    const { ours, client } = both(b);
    expect(ours).toEqual(client);
    expect(ours).toEqual({ sender: 'feed.host 1/é', incarnation: '7', seq: '42', value: '1', loss: '', reason: '' });
  });

  it('reads a loss record, and absent keys as empty', () => {
    const { ours, client } = both(
      block((h) => {
        h.set('Lc-Sender', 's');
        h.set('Lc-Incarnation', '0');
        h.set('Lc-Loss', '3-9');
        h.set('Lc-Reason', 'unavailable');
      }),
    );
    expect(ours).toEqual(client);
    expect(ours.loss).toBe('3-9');
    expect(ours.seq).toBe('');
  });

  it('takes the first of a repeated key, trims values, and matches keys exactly (as get() does)', () => {
    const b = 'NATS/1.0\r\nlc-seq: 5\r\nLc-Seq:  6 \r\nLc-Seq: 7\r\nLc-Sender:x\r\nX-Other: Lc-Seq: 8\r\n\r\n';
    const { ours, client } = both(b);
    expect(ours).toEqual(client);
    expect(ours.seq).toBe('6');
    expect(ours.sender).toBe('x');
  });

  it('reads hostile or truncated blocks without throwing, byte by byte', () => {
    const b = block((h) => {
      h.set('Lc-Sender', 'abc');
      h.set('Lc-Seq', '12');
    });
    for (let n = 0; n <= b.length; n++) expect(() => readStoredHeaders(b.slice(0, n))).not.toThrow();
    expect(readStoredHeaders('HTTP/1.1\r\nLc-Seq: 1\r\n\r\n').seq).toBe('');
    expect(readStoredHeaders('NATS/1.0\r\n:::\r\nLc-Seq\r\n\r\n').seq).toBe('');
    expect(readStoredHeaders('').sender).toBe('');
  });
});

/** A message as the installed client builds it from the wire: its parser reads `HMSG`, its protocol wraps the result in a MsgImpl. */
function parsedMessage(headerBlock: string, payload: string): MsgImpl {
  const hdr = TE.encode(headerBlock);
  const body = TE.encode(payload);
  const events: ParserEvent[] = [];
  const parser = new Parser({ push: (e: ParserEvent) => events.push(e) });
  parser.parse(TE.encode(`HMSG lc.A.x 1 $JS.ACK.LC_A.d.1.1.1.1.0 ${hdr.length} ${hdr.length + body.length}\r\n`));
  parser.parse(new Uint8Array([...hdr, ...body, 13, 10]));
  const e = events.find((x) => x.kind === Kind.MSG);
  if (e === undefined) throw new Error('the parser gave no message');
  return new MsgImpl(e.msg as MsgArg, e.data as Uint8Array, { publish: () => undefined } as never);
}

describe('rawHeaderBlock', () => {
  it('finds the header block of a message the installed NATS client parsed from the wire', () => {
    const hb = block((h) => {
      h.set('Nats-Msg-Id', 'A.7.9.cHViQQ.x');
      h.set('Lc-Sender', 'pubA');
      h.set('Lc-Seq', '9');
    });
    const msg = parsedMessage(hb, 'payload');
    expect(rawHeaderBlock(msg)).toBe(hb);
    expect(readStoredHeaders(rawHeaderBlock(msg)!)).toEqual(storedHeadersOf(msg.headers));
    expect(new TextDecoder().decode(msg.data)).toBe('payload');
  });

  it('says it cannot when the message is not shaped as it expects', () => {
    const data = TE.encode('NATS/1.0\r\n\r\n');
    expect(rawHeaderBlock({})).toBeUndefined();
    expect(rawHeaderBlock(undefined)).toBeUndefined();
    expect(rawHeaderBlock({ _rdata: data, _msg: { hdr: data.length + 1 } })).toBeUndefined();
    expect(rawHeaderBlock({ _rdata: 'x', _msg: { hdr: 1 } })).toBeUndefined();
  });
});

describe('DeliveredHeaders', () => {
  const hb = block((h) => {
    h.set('Lc-Sender', 'pubA');
    h.set('Lc-Seq', '9');
  });

  it('reads the raw block once it agreed with the client on the first message', () => {
    const d = new DeliveredHeaders();
    const msg = parsedMessage(hb, 'p');
    expect(d.of({ msg, headers: msg.headers } as never)).toEqual(storedHeadersOf(msg.headers));
    // From then on the raw block alone is read (the client's headers are not looked at).
    expect(d.of({ msg, headers: undefined } as never).seq).toBe('9');
  });

  it("keeps to the client's headers when the raw block reads otherwise (another client version)", () => {
    const d = new DeliveredHeaders();
    const msg = parsedMessage(hb, 'p');
    const other = MsgHdrsImpl.decode(TE.encode(hb.replace('Lc-Seq: 9', 'Lc-Seq: 10')));
    expect(d.of({ msg, headers: other } as never).seq).toBe('10');
    expect(d.of({ msg, headers: other } as never).seq).toBe('10');
    expect(sameStoredHeaders(readStoredHeaders(hb), storedHeadersOf(other))).toBe(false);
  });

  it('reads the client headers of a message without a raw block', () => {
    const h = MsgHdrsImpl.decode(TE.encode(hb));
    expect(new DeliveredHeaders().of({ headers: h }).sender).toBe('pubA');
    expect(new DeliveredHeaders().of({ headers: undefined }).sender).toBe('');
  });
});
