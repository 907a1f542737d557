/**
 * The recovery scan: reads a whole ledger and reports, as plain data, what the store needs to
 * resume: the meta record, every stream's counters rebuilt from the stored messages, and what
 * is inconsistent. It never writes, and it depends on no store instance, so it can run in a
 * piscina worker (`storage/scan-worker.ts`) for big ledgers; its result is structured-clonable.
 *
 * Consistency rules checked:
 * - every key of `ledgecast.sent` is `[subject, seq]` with a safe integer `seq >= 1` and a
 *   decodable record (else `damage`);
 * - a stream's stored `highSeq` is at least its newest stored `seq`; if behind, it is reported
 *   in `repairs` and `highSeq` is raised (a sequence number is never reused);
 * - durable positions are safe integers >= 0 (else `damage`).
 */
import { open, type RootDatabase } from 'lmdb';
import {
  DB_NAMES,
  LEDGER_MAGIC,
  LEDGER_SCHEMA_VERSION,
  META_KEY,
  hasLedgerMagic,
  ledgerEnvOptions,
  openLedgerDatabases,
  type LedgerMeta,
} from './ledger-schema.js';
import { isSentRecordHeader, sentRecordTime } from './sent-record.js';

/** What the scan found about one stream. */
export interface StreamScan {
  readonly subject: string;
  /** max(stored highSeq, newest stored seq): where the stream resumes. */
  readonly highSeq: number;
  /** The highSeq record as stored (0 if missing). */
  readonly storedHighSeq: number;
  /** Oldest stored seq (0 if none is stored). */
  readonly lowSeq: number;
  /** Newest stored seq (0 if none is stored). */
  readonly newestSeq: number;
  readonly messages: number;
  /** Stored record bytes. */
  readonly bytes: number;
  /** `sentAtMs` of the oldest stored message (NaN if none). */
  readonly oldestSentAtMs: number;
}

/** Result of {@link scanLedger}. */
export type LedgerScan =
  /** An LMDB environment with nothing in it (a brand-new or never-initialized ledger). */
  | { readonly kind: 'empty' }
  /** A valid LMDB environment that is not a ledger. */
  | { readonly kind: 'foreign'; readonly reason: string }
  /** A ledger of another schema version: not read further. */
  | { readonly kind: 'unsupportedSchema'; readonly schemaVersion: unknown; readonly peerName: unknown }
  | {
      readonly kind: 'ledger';
      readonly meta: LedgerMeta;
      readonly streams: StreamScan[];
      readonly durablePositions: number;
      /** Inconsistencies the store fixes (stored highSeq behind the data). */
      readonly repairs: string[];
      /** Inconsistencies that make the ledger damaged. At most 20 are listed. */
      readonly damage: string[];
      readonly ms: number;
    };

const MAX_DAMAGE_LISTED = 20;

/**
 * Scans the ledger in directory `path` (read-only). Throws whatever LMDB throws on a file it
 * cannot open; call it only after the file checks (`checkLmdbDataFile`, the integrity walk).
 */
export async function scanLedger(path: string): Promise<LedgerScan> {
  const env = open({ ...ledgerEnvOptions(path, 'sync'), readOnly: true });
  try {
    return scanOpenLedger(env);
  } finally {
    await env.close();
  }
}

/** {@link scanLedger} on an environment that is already open. */
export function scanOpenLedger(env: RootDatabase): LedgerScan {
  const started = performance.now();
  const dbNames: string[] = [];
  for (const key of env.getKeys({ limit: 64 })) dbNames.push(String(key));
  if (dbNames.length === 0) return { kind: 'empty' };
  const dbs = openLedgerDatabases(env, false);
  if (dbs.meta === undefined) {
    return {
      kind: 'foreign',
      reason: `holds an LMDB database that is not a ledgecast ledger (no ${DB_NAMES.meta} database; it has: ${dbNames.join(', ')})`,
    };
  }
  let meta: unknown;
  try {
    meta = dbs.meta.get(META_KEY);
  } catch (err) {
    return { kind: 'foreign', reason: `has an unreadable ${DB_NAMES.meta} record (${(err as Error).message})` };
  }
  if (!hasLedgerMagic(meta)) {
    return { kind: 'foreign', reason: `has a ${DB_NAMES.meta} database without the ${LEDGER_MAGIC} magic` };
  }
  if (meta.schemaVersion !== LEDGER_SCHEMA_VERSION) {
    return { kind: 'unsupportedSchema', schemaVersion: meta.schemaVersion, peerName: meta.peerName };
  }
  const damage: string[] = [];
  const addDamage = (s: string): void => {
    if (damage.length < MAX_DAMAGE_LISTED) damage.push(s);
  };
  const m = meta as LedgerMeta;
  if (typeof m.peerName !== 'string' || !isCount(m.incarnation) || !isCount(m.seqFloor)) {
    addDamage(`the meta record is malformed: ${JSON.stringify(meta)}`);
  }

  const streams = new Map<string, MutableStreamScan>();
  const stream = (subject: string): MutableStreamScan => {
    let s = streams.get(subject);
    if (s === undefined) {
      s = { subject, highSeq: 0, storedHighSeq: 0, lowSeq: 0, newestSeq: 0, messages: 0, bytes: 0, oldestSentAtMs: Number.NaN };
      streams.set(subject, s);
    }
    return s;
  };
  if (dbs.streams !== undefined) {
    for (const { key, value } of dbs.streams.getRange({})) {
      if (typeof key !== 'string' || !isCount(value)) {
        addDamage(`stream record ${JSON.stringify(key)} holds ${JSON.stringify(value)}, not a sequence number`);
        continue;
      }
      stream(key).storedHighSeq = value;
    }
  }
  if (dbs.sent !== undefined) {
    for (const { key, value } of dbs.sent.getRange({})) {
      const [subject, seq] = Array.isArray(key) ? key : [];
      if (typeof subject !== 'string' || !isCount(seq) || seq < 1) {
        addDamage(`a sent message has the malformed key ${JSON.stringify(key)}`);
        continue;
      }
      if (!(value instanceof Uint8Array) || !isSentRecordHeader(value)) {
        addDamage(`sent message ${subject} #${seq} has a malformed record`);
        continue;
      }
      const s = stream(subject);
      if (s.messages === 0) {
        s.lowSeq = seq;
        s.oldestSentAtMs = sentRecordTime(value);
      }
      s.newestSeq = seq; // keys come in order
      s.messages++;
      s.bytes += value.byteLength;
    }
  }
  let durablePositions = 0;
  if (dbs.delivered !== undefined) {
    for (const { key, value } of dbs.delivered.getRange({})) {
      if (!Array.isArray(key) || key.length !== 3 || !isCount(value)) {
        addDamage(`durable position ${JSON.stringify(key)} holds ${JSON.stringify(value)}`);
        continue;
      }
      durablePositions++;
    }
  }
  const repairs: string[] = [];
  for (const s of streams.values()) {
    s.highSeq = Math.max(s.storedHighSeq, s.newestSeq);
    if (s.storedHighSeq < s.newestSeq) {
      repairs.push(`stream ${s.subject}: stored highSeq ${s.storedHighSeq} is behind stored message #${s.newestSeq}; raised`);
    }
  }
  return {
    kind: 'ledger',
    meta: m,
    streams: [...streams.values()],
    durablePositions,
    repairs,
    damage,
    ms: performance.now() - started,
  };
}

type MutableStreamScan = { -readonly [K in keyof StreamScan]: StreamScan[K] };

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
