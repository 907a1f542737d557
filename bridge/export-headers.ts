/**
 * The header block of an exported message (its `Nats-Msg-Id` and identity, naming.ts `HEADERS`),
 * built as bytes in one string. Pure: no I/O.
 *
 * Why not the NATS client's `headers()`: each `set` canonicalises the key, lists the keys twice,
 * tests the value with a regular expression and allocates a Map entry and an array; with five
 * keys per message that was about a tenth of the exporting bridge's main thread (and much of its
 * garbage) at full rate. The client's `publish` only calls `encode()` on the headers it is given,
 * so an object whose `encode()` returns the block built here goes on the wire the same way
 * (test/unit/bridge/export-headers.test.ts compares the bytes with the client's own encoding).
 *
 * A value the client would change (surrounding spaces: it trims) or refuse (`\r`, `\n`) is not
 * built here: {@link exportHeaderBlock} returns undefined and the exporter uses the client's
 * headers, which trim or throw as before.
 */
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { HEADERS } from './naming.js';

/** What goes into the headers of one exported message. */
export interface ExportIdentity {
  readonly zone: string;
  readonly sender: string;
  readonly incarnation: number;
  readonly subject: string;
  readonly seq: number;
  readonly isValue: boolean;
}

/** Headers as the NATS client's `publish` uses them: `encode()` gives the block's bytes. */
export class EncodedHeaders {
  constructor(private readonly bytes: Uint8Array) {}

  encode(): Uint8Array {
    return this.bytes;
  }
}

const TE = new TextEncoder();

/** A value the client would write as it is (no CR/LF to refuse, nothing to trim). */
function plain(v: string): boolean {
  return !/[\r\n]/.test(v) && v.trim() === v;
}

/**
 * The text of each stream's constant parts, per (sender, incarnation, subject): the bridge
 * exports runs of one stream, so the last one is kept (no map to bound).
 */
interface StreamParts {
  readonly sender: string;
  readonly incarnation: number;
  readonly subject: string;
  /** `<zone>.<incarnation>.` */
  readonly idHead: string;
  /** `.<sender base64url>.<subject>\r\nLc-Sender: <sender>\r\nLc-Incarnation: <incarnation>\r\nLc-Seq: ` */
  readonly tail: string;
}

/** Builds export header blocks; keeps the constant parts of the last stream seen. */
export class ExportHeaderBuilder {
  private last: StreamParts | undefined;

  constructor(private readonly zone: string) {}

  /**
   * The encoded headers of `m` (`Nats-Msg-Id`, `Lc-Sender`, `Lc-Incarnation`, `Lc-Seq`, and
   * `Lc-Value: 1` for a value), the same bytes as the client's `headers()` with those `set` in
   * that order; undefined when a value is one the client would trim or refuse.
   */
  build(m: ExportIdentity): EncodedHeaders | undefined {
    let p = this.last;
    if (p === undefined || p.sender !== m.sender || p.incarnation !== m.incarnation || p.subject !== m.subject) {
      if (!plain(m.sender) || !plain(m.subject)) return undefined;
      const inc = String(m.incarnation);
      p = {
        sender: m.sender,
        incarnation: m.incarnation,
        subject: m.subject,
        idHead: `${this.zone}.${inc}.`,
        tail: `.${Buffer.from(m.sender, 'utf8').toString('base64url')}.${m.subject}\r\n${HEADERS.sender}: ${m.sender}\r\n${HEADERS.incarnation}: ${inc}\r\n${HEADERS.seq}: `,
      };
      this.last = p;
    }
    const seq = String(m.seq);
    const text = `NATS/1.0\r\nNats-Msg-Id: ${p.idHead}${seq}${p.tail}${seq}\r\n${m.isValue ? `${HEADERS.value}: 1\r\n` : ''}\r\n`;
    return new EncodedHeaders(TE.encode(text));
  }
}

/** The same headers through the NATS client (the reference, and the way for unusual values). */
export function clientExportHeaders(m: ExportIdentity, messageId: string): MsgHdrs {
  const h = headers();
  h.set('Nats-Msg-Id', messageId);
  h.set(HEADERS.sender, m.sender);
  h.set(HEADERS.incarnation, String(m.incarnation));
  h.set(HEADERS.seq, String(m.seq));
  if (m.isValue) h.set(HEADERS.value, '1');
  return h;
}
