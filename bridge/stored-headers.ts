/**
 * The headers of a stored ledgecast message that importing needs (naming.ts `HEADERS`), read
 * from the message's header block in one pass. Pure: no I/O.
 *
 * Why not the NATS client's `msg.headers`: it builds a full `MsgHdrs` for every message (the
 * block split into lines, each key canonicalised, a Map of arrays, an array of keys per `get`),
 * about a tenth of the importing bridge's main-thread time at full rate. Here the block is
 * scanned once for the six keys of ours; the others (`Nats-Msg-Id`, …) are skipped.
 *
 * Same reading as `MsgHdrsImpl.decode` + `get` for these keys: exact key match, the first
 * value of a repeated key, values trimmed, a missing key reads `''`; a block that is not a
 * NATS header block (no `NATS/1.0` status line) reads as no headers at all.
 */
import type { MsgHdrs } from '@nats-io/transport-node';
import { HEADERS } from './naming.js';

/** What importing reads of a stored message's headers (`''`: absent). */
export interface StoredHeaders {
  readonly sender: string;
  readonly incarnation: string;
  readonly seq: string;
  readonly value: string;
  readonly loss: string;
  readonly reason: string;
}

const NONE: StoredHeaders = Object.freeze({ sender: '', incarnation: '', seq: '', value: '', loss: '', reason: '' });

const STATUS_LINE = 'NATS/1.0';

/** Reads the header block `block` (`NATS/1.0\r\nKey: value\r\n…\r\n\r\n`). */
export function readStoredHeaders(block: string): StoredHeaders {
  if (!block.startsWith(STATUS_LINE)) return NONE;
  let sender: string | undefined;
  let incarnation: string | undefined;
  let seq: string | undefined;
  let value: string | undefined;
  let loss: string | undefined;
  let reason: string | undefined;
  let at = block.indexOf('\r\n');
  while (at !== -1) {
    const start = at + 2;
    const end = block.indexOf('\r\n', start);
    const lineEnd = end === -1 ? block.length : end;
    const colon = block.indexOf(':', start);
    if (colon !== -1 && colon < lineEnd) {
      // Keys of ours only: compare in place before slicing anything.
      const keyLength = colon - start;
      if (keyLength === HEADERS.sender.length && sender === undefined && block.startsWith(HEADERS.sender, start)) sender = block.slice(colon + 1, lineEnd).trim();
      else if (keyLength === HEADERS.incarnation.length && incarnation === undefined && block.startsWith(HEADERS.incarnation, start)) incarnation = block.slice(colon + 1, lineEnd).trim();
      else if (keyLength === HEADERS.seq.length && seq === undefined && block.startsWith(HEADERS.seq, start)) seq = block.slice(colon + 1, lineEnd).trim();
      else if (keyLength === HEADERS.value.length && value === undefined && block.startsWith(HEADERS.value, start)) value = block.slice(colon + 1, lineEnd).trim();
      else if (keyLength === HEADERS.loss.length && loss === undefined && block.startsWith(HEADERS.loss, start)) loss = block.slice(colon + 1, lineEnd).trim();
      else if (keyLength === HEADERS.reason.length && reason === undefined && block.startsWith(HEADERS.reason, start)) reason = block.slice(colon + 1, lineEnd).trim();
    }
    at = end;
  }
  return { sender: sender ?? '', incarnation: incarnation ?? '', seq: seq ?? '', value: value ?? '', loss: loss ?? '', reason: reason ?? '' };
}

/** Whether two readings give the same fields. */
export function sameStoredHeaders(a: StoredHeaders, b: StoredHeaders): boolean {
  return a.sender === b.sender && a.incarnation === b.incarnation && a.seq === b.seq && a.value === b.value && a.loss === b.loss && a.reason === b.reason;
}

/** The same fields read through the NATS client's headers (messages read from the stream, or a client without the raw block). */
export function storedHeadersOf(h: MsgHdrs | undefined): StoredHeaders {
  if (h === undefined) return NONE;
  return {
    sender: h.get(HEADERS.sender),
    incarnation: h.get(HEADERS.incarnation),
    seq: h.get(HEADERS.seq),
    value: h.get(HEADERS.value),
    loss: h.get(HEADERS.loss),
    reason: h.get(HEADERS.reason),
  };
}

const UTF8 = new TextDecoder();

/**
 * The header block of a message delivered by the NATS client, when the client keeps it as the
 * installed @nats-io/nats-core 3.x does (`MsgImpl`: `_rdata` = headers then payload, `_msg.hdr` =
 * the headers' length); undefined otherwise, and the caller reads `msg.headers` instead. Only
 * a shortcut: both give the same fields (test/unit/bridge/stored-headers.test.ts checks both
 * on a message the installed client parsed, and the importer compares them on the first
 * message of each consumer and keeps to the client's headers if they differ).
 */
export function rawHeaderBlock(msg: unknown): string | undefined {
  const m = msg as { _rdata?: unknown; _msg?: { hdr?: unknown } } | undefined;
  const hdr = m?._msg?.hdr;
  const data = m?._rdata;
  if (typeof hdr !== 'number' || hdr <= 0 || !(data instanceof Uint8Array) || hdr > data.byteLength) return undefined;
  return UTF8.decode(data.subarray(0, hdr));
}

/**
 * The headers importing reads of the messages one consumer delivers: from the client's raw
 * header block when it keeps one, checked once against the client's own reading on the first
 * message; if they differ (another client version), the client's headers from then on.
 */
export class DeliveredHeaders {
  private raw = true;
  private checked = false;

  /** The fields of `m` (a delivered `JsMsg`: its `msg` is the client's message). */
  of(m: { readonly headers: MsgHdrs | undefined }): StoredHeaders {
    const block = this.raw ? rawHeaderBlock((m as { msg?: unknown }).msg) : undefined;
    if (block === undefined) return storedHeadersOf(m.headers);
    const h = readStoredHeaders(block);
    if (this.checked) return h;
    this.checked = true;
    const client = storedHeadersOf(m.headers);
    if (sameStoredHeaders(h, client)) return h;
    this.raw = false;
    return client;
  }
}
