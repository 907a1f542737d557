import { describe, expect, it } from 'vitest';
import { headers, MsgHdrsImpl, MsgImpl, type MsgHdrs } from '@nats-io/transport-node';
import { rawHeaderBlock, readStoredHeaders, storedHeadersOf } from '../../../bridge/stored-headers.js';

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

describe('rawHeaderBlock', () => {
  it('finds the header block of a message the installed NATS client parsed, or says it cannot', () => {
    const hb = block((h) => {
      h.set('Lc-Sender', 'pubA');
      h.set('Lc-Seq', '9');
    });
    const hdr = TE.encode(hb);
    const payload = TE.encode('payload');
    const data = new Uint8Array(hdr.length + payload.length);
    data.set(hdr);
    data.set(payload, hdr.length);
    const msg = new MsgImpl({ subject: TE.encode('lc.A.x'), reply: TE.encode(''), sid: 1, hdr: hdr.length, size: data.length }, data, {
      publish: () => undefined,
    } as never);
    const raw = rawHeaderBlock(msg);
    expect(raw).toBe(hb);
    expect(readStoredHeaders(raw!)).toEqual(storedHeadersOf(msg.headers));
    expect(new TextDecoder().decode(msg.data)).toBe('payload');
    expect(rawHeaderBlock({})).toBeUndefined();
    expect(rawHeaderBlock(undefined)).toBeUndefined();
    expect(rawHeaderBlock({ _rdata: data, _msg: { hdr: data.length + 1 } })).toBeUndefined();
  });
});
