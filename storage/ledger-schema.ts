/**
 * The on-disk schema of a ledger: one LMDB environment (a directory) with five named databases.
 *
 *     database               key (ordered-binary)             value
 *     ledgecast.meta         'meta'                           LedgerMeta (msgpack, shared structures)
 *     ledgecast.streams      subject                          highSeq: number (msgpack)
 *     ledgecast.sent         [subject, seq]                   sent record (binary, see sent-record.ts)
 *     ledgecast.delivered    [durableName, senderName, subject]  confirmed seq: number (msgpack)
 *     ledgecast.handed       [durableName, senderName, subject]  highest seq handed to the application (msgpack)
 *     ledgecast.numbering    [durableName, senderName, subject]  incarnation of the sender whose numbering `delivered` counts in (msgpack)
 *
 * `ledgecast.handed` and `ledgecast.numbering` came after version 1 without a version bump: they
 * are only added to. A ledger written before has none, and gets them at its next open; a build
 * before them ignores them. A position without a numbering entry (written before) is taken to
 * continue the sender's numbering, as it was before.
 *
 * Ordered-binary sorts array keys element by element, with strings ending in a 0 delimiter, so
 * all keys of one subject are contiguous and in numeric `seq` order: a range scan of one stream
 * is a range scan of the database. Bump {@link LEDGER_SCHEMA_VERSION} on any change here.
 */
import type { Database, DatabaseOptions, RootDatabase, RootDatabaseOptionsWithPath } from 'lmdb';
import type { LedgerDurability } from './options.js';

/** First field of the meta record: tells a ledger from any other LMDB database. */
export const LEDGER_MAGIC = 'ledgecast-ledger';
/** Version of this schema. */
export const LEDGER_SCHEMA_VERSION = 1;

export const DB_NAMES = Object.freeze({
  meta: 'ledgecast.meta',
  streams: 'ledgecast.streams',
  sent: 'ledgecast.sent',
  delivered: 'ledgecast.delivered',
  handed: 'ledgecast.handed',
  numbering: 'ledgecast.numbering',
});

export const META_KEY = 'meta';
const SHARED_STRUCTURES_KEY = Symbol.for('ledgecast.structures');

/** The meta record. */
export interface LedgerMeta {
  readonly magic: typeof LEDGER_MAGIC;
  readonly schemaVersion: number;
  readonly peerName: string;
  /** Bumped and flushed at every open; the peer announces it (u32, 1..2^32-1, wraps to 1). */
  readonly incarnation: number;
  /** Every stream resumes above max(its highSeq, seqFloor); see `LedgerStore.seqFloor`. */
  readonly seqFloor: number;
  readonly createdAtMs: number;
  /** Set by `close()` after the last flush, cleared at open: false at open means a crash. */
  readonly cleanClose: boolean;
  /** Durability of the run that wrote this record. */
  readonly durability: LedgerDurability;
  /** `maxUnflushedPerStream` of the run that wrote this record. */
  readonly maxUnflushedPerStream: number;
}

/** The six databases of an open environment. */
export interface LedgerDatabases {
  readonly meta: Database<LedgerMeta, string>;
  readonly streams: Database<number, string>;
  readonly sent: Database<Buffer, [string, number]>;
  readonly delivered: Database<number, [string, string, string]>;
  readonly handed: Database<number, [string, string, string]>;
  readonly numbering: Database<number, [string, string, string]>;
}

/** Environment options shared by the store and the scan (the scan adds `readOnly`). */
export function ledgerEnvOptions(path: string | undefined, durability: LedgerDurability): RootDatabaseOptionsWithPath {
  const base: RootDatabaseOptionsWithPath = {
    maxDbs: 8,
    // Skips zeroing of pages lmdb mallocs: a measurable write gain; unused parts of pages may
    // then hold older bytes of this same ledger, which is no disclosure.
    noMemInit: true,
  };
  if (path === undefined || durability === 'none') return base; // temp file, noSync, deleteOnClose
  return { ...base, path, noSubdir: false };
}

/**
 * Environment options of a temporary ledger at `path` (one file, no sync, removed on close): what
 * lmdb does for an environment opened without a path, at a path of ours (storage/temp-ledger.ts).
 */
export function tempLedgerEnvOptions(path: string): RootDatabaseOptionsWithPath {
  return { ...ledgerEnvOptions(undefined, 'none'), path, noSubdir: true, noSync: true, deleteOnClose: true } as RootDatabaseOptionsWithPath;
}

/**
 * Opens the six databases. With `create` false (read-only scans), a missing database comes
 * back `undefined` instead of being created.
 */
export function openLedgerDatabases(env: RootDatabase, create: boolean): Partial<LedgerDatabases> {
  // `create: false` is honoured by lmdb-js (a missing database comes back undefined) but not typed.
  const opts = (create ? {} : { create: false }) as DatabaseOptions;
  return {
    meta: env.openDB<LedgerMeta, string>(DB_NAMES.meta, { ...opts, sharedStructuresKey: SHARED_STRUCTURES_KEY }) ?? undefined,
    streams: env.openDB<number, string>(DB_NAMES.streams, { ...opts }) ?? undefined,
    sent: env.openDB<Buffer, [string, number]>(DB_NAMES.sent, { ...opts, encoding: 'binary' }) ?? undefined,
    delivered: env.openDB<number, [string, string, string]>(DB_NAMES.delivered, { ...opts }) ?? undefined,
    handed: env.openDB<number, [string, string, string]>(DB_NAMES.handed, { ...opts }) ?? undefined,
    numbering: env.openDB<number, [string, string, string]>(DB_NAMES.numbering, { ...opts }) ?? undefined,
  };
}

/** Whether `m` looks like a meta record of any schema version. */
export function hasLedgerMagic(m: unknown): m is { magic: string; schemaVersion: unknown; peerName?: unknown } {
  return typeof m === 'object' && m !== null && (m as { magic?: unknown }).magic === LEDGER_MAGIC;
}
