import { describe, expect, it } from 'vitest';
import { clientExportHeaders, ExportHeaderBuilder, type ExportIdentity } from '../../../bridge/export-headers.js';
import { messageId } from '../../../bridge/naming.js';
import { readStoredHeaders } from '../../../bridge/stored-headers.js';

const TD = new TextDecoder();

/** The bytes the NATS client's own headers() encode for `m`. */
function reference(m: ExportIdentity): Uint8Array {
  return clientExportHeaders(m, messageId(m)).encode();
}

const base: ExportIdentity = { zone: 'paris', sender: 'feed-1', incarnation: 7, subject: 'orders.eu.new', seq: 42, isValue: false };

describe('ExportHeaderBuilder', () => {
  it("builds the same bytes as the NATS client's headers() for a message and for a value", () => {
    const b = new ExportHeaderBuilder('paris');
    for (const m of [base, { ...base, isValue: true }, { ...base, seq: 1 }, { ...base, seq: Number.MAX_SAFE_INTEGER }]) {
      expect(TD.decode(b.build(m)!.encode())).toBe(TD.decode(reference(m)));
    }
  });

  it('builds the same bytes when the stream changes between messages (sender, incarnation, subject)', () => {
    const b = new ExportHeaderBuilder('paris');
    const seqOf = [base, { ...base, sender: 'feed.host 1/é' }, { ...base, sender: 'feed.host 1/é', incarnation: 8 }, { ...base, subject: 'x' }, base];
    for (const [i, m] of seqOf.entries()) {
      const withSeq = { ...m, seq: 100 + i };
      expect(b.build(withSeq)!.encode()).toEqual(reference(withSeq));
    }
  });

  it('reads back, on the import side, as the identity it carries', () => {
    const h = readStoredHeaders(TD.decode(new ExportHeaderBuilder('paris').build({ ...base, isValue: true })!.encode()));
    expect(h).toEqual({ sender: 'feed-1', incarnation: '7', seq: '42', value: '1', loss: '', reason: '' });
  });

  it("leaves values the client would trim or refuse to the client's headers", () => {
    const b = new ExportHeaderBuilder('paris');
    expect(b.build({ ...base, sender: ' padded ' })).toBeUndefined();
    expect(b.build({ ...base, sender: 'a\r\nInjected: 1' })).toBeUndefined();
    // And the stream after it is built again (no stale parts kept).
    expect(b.build(base)!.encode()).toEqual(reference(base));
  });
});
