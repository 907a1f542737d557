import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ackSubject, DeliveredInfo, parseAckReply } from '../../../bridge/ack-reply.js';

// The installed client's own reading (not exported by the package: loaded from its file).
const require = createRequire(import.meta.url);
const { parseInfo } = require(join(dirname(require.resolve('@nats-io/jetstream')), 'jsmsg.js')) as {
  parseInfo: (s: string) => { deliveryCount: number; streamSequence: number; deliverySequence: number; pending: number };
};

const fields = (i: { deliveryCount: number; streamSequence: number; deliverySequence: number; pending: number }) => ({
  deliveryCount: i.deliveryCount,
  streamSequence: i.streamSequence,
  deliverySequence: i.deliverySequence,
  pending: i.pending,
});

describe('parseAckReply', () => {
  it("reads the delivery's numbers as the NATS client does, in both subject forms", () => {
    for (const s of [
      '$JS.ACK.LC_A.lc_import_B.1.42.40.1764950000123456789.7',
      '$JS.ACK._.ACCHASH.LC_A.lc_import_B.2.42.40.1764950000123456789.0',
      '$JS.ACK.hub.ACCHASH.LC_A.lc_import_B.1.9007199254740.123456789012345.1764950000123456789.999999.x7Yq',
      '$JS.ACK.LC_paris-2.lc_import_lyon.17.1.1.1.0',
    ]) {
      expect(parseAckReply(s)).toEqual(fields(parseInfo(s)));
    }
  });

  it('returns undefined for anything else, so the importer reads msg.info', () => {
    for (const s of [
      '',
      '_INBOX.abc',
      '$JS.ACK.LC_A.c.1.2.3',
      '$JS.ACK.LC_A.c.x.42.40.17.7',
      '$JS.ACK.a.b.c.d.e.f.g.h.i.j.k.l',
      '$JS.ACK.LC_A.c.1.1234567890123456.40.17.7',
    ]) {
      expect(parseAckReply(s)).toBeUndefined();
    }
  });
});

describe('DeliveredInfo', () => {
  const msg = (reply: string, info = fields(parseInfo(reply))) => ({ reply, info });

  it("reads the reply subject once it agreed with the client's info on the first message", () => {
    const d = new DeliveredInfo();
    expect(d.of(msg('$JS.ACK._.H.LC_A.c.1.5.3.17.9'))).toEqual({ deliveryCount: 1, streamSequence: 5, deliverySequence: 3, pending: 9 });
    // Later messages are not compared: the subject alone is read.
    expect(d.of(msg('$JS.ACK._.H.LC_A.c.2.6.4.17.8', { deliveryCount: 0, streamSequence: 0, deliverySequence: 0, pending: 0 }))).toEqual({
      deliveryCount: 2,
      streamSequence: 6,
      deliverySequence: 4,
      pending: 8,
    });
  });

  it("keeps to the client's info when the first reading differs, or when there is no reply subject to read", () => {
    const d = new DeliveredInfo();
    const theirs = { deliveryCount: 1, streamSequence: 99, deliverySequence: 3, pending: 9 };
    expect(d.of(msg('$JS.ACK._.H.LC_A.c.1.5.3.17.9', theirs))).toBe(theirs);
    const later = { deliveryCount: 1, streamSequence: 100, deliverySequence: 4, pending: 8 };
    expect(d.of(msg('$JS.ACK._.H.LC_A.c.1.6.4.17.8', later))).toBe(later);
    expect(new DeliveredInfo().of({ info: later })).toBe(later);
  });
});

describe('ackSubject', () => {
  it('writes the acknowledgement subject nats-server 2.9 uses, read back as the same delivery', () => {
    const s = ackSubject('LC_A', 'lc_import_B', 1970, 2048);
    expect(s).toBe('$JS.ACK.LC_A.lc_import_B.1.1970.2048.0.0');
    expect(parseAckReply(s)).toEqual({ deliveryCount: 1, streamSequence: 1970, deliverySequence: 2048, pending: 0 });
    expect(fields(parseInfo(s))).toEqual({ deliveryCount: 1, streamSequence: 1970, deliverySequence: 2048, pending: 0 });
  });
});
