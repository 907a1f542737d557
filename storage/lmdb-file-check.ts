/**
 * Checks an LMDB data file with plain reads, before LMDB maps it: LMDB trusts its file, and a
 * truncated or overwritten one makes it read outside the mapping (SIGSEGV/SIGBUS kill the whole
 * process, no exception). What this catches: not an LMDB file, an unknown data version, a bad
 * page size, a damaged meta page, and truncation below the pages the newest meta page points at.
 * Damage deeper in the tree is left to the integrity walk (`integrity-walk.ts`).
 *
 * Layout read here (LMDB 0.9.90+ as bundled by lmdb-js, 64-bit, data version 2): pages 0 and 1
 * are meta pages; after a 24-byte page header each holds `MDB_meta`:
 *
 *     offset size field
 *         24    4 mm_magic       0xBEEFC0DE
 *         28    4 mm_version     2
 *         48   48 mm_dbs[0]      free DB; its md_pad (offset 48) is the page size
 *         96   48 mm_dbs[1]      main DB
 *        144    8 mm_last_pg
 *        152    8 mm_txnid
 *
 * and in each `MDB_db` the entry count is at offset 32 and the root page number at offset 40
 * (~0 = empty tree). The main DB's entries are the named databases.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const LMDB_MAGIC = 0xbeefc0de;
export const LMDB_DATA_VERSION = 2;

const META_OFFSET = 24;
const MAGIC_OFFSET = META_OFFSET;
const VERSION_OFFSET = META_OFFSET + 4;
const FREE_DB_OFFSET = META_OFFSET + 24;
const MAIN_DB_OFFSET = FREE_DB_OFFSET + 48;
const DB_ENTRIES_OFFSET = 32;
const DB_ROOT_OFFSET = 40;
const TXNID_OFFSET = 152;
const META_BYTES = 168;
const NO_PAGE = 0xffffffffffffffffn;

/** Result of {@link checkLmdbDataFile}. */
export type LmdbFileCheck =
  | {
      readonly ok: true;
      readonly pageSize: number;
      readonly fileBytes: number;
      readonly txnId: number;
      /** Entries of the main database (the named databases) by the newest meta page. */
      readonly mainEntries: number;
    }
  | { readonly ok: false; readonly reason: string };

/** Reads the two meta pages of `file` (an existing `data.mdb`) and checks them against its size. */
export function checkLmdbDataFile(file: string): LmdbFileCheck {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < META_BYTES) {
      return { ok: false, reason: `is truncated: ${size} bytes, too short for an LMDB meta page` };
    }
    const first = readAt(fd, 0, META_BYTES);
    const magic = first.readUInt32LE(MAGIC_OFFSET);
    if (magic !== LMDB_MAGIC) return { ok: false, reason: 'is not an LMDB data file (no LMDB magic in its first page)' };
    const version = first.readUInt32LE(VERSION_OFFSET);
    if (version !== LMDB_DATA_VERSION) {
      return { ok: false, reason: `is an LMDB data file of data version ${version}; this build reads version ${LMDB_DATA_VERSION}` };
    }
    const pageSize = first.readUInt32LE(FREE_DB_OFFSET);
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
      return { ok: false, reason: `is damaged: its page size ${pageSize} is not a power of two in 512..65536` };
    }
    if (size < 2 * pageSize) {
      return { ok: false, reason: `is truncated: ${size} bytes, less than its two meta pages of ${pageSize} bytes` };
    }
    if (size % pageSize !== 0) {
      return { ok: false, reason: `is truncated: ${size} bytes is not a whole number of ${pageSize}-byte pages` };
    }
    const second = readAt(fd, pageSize, META_BYTES);
    if (second.readUInt32LE(MAGIC_OFFSET) !== LMDB_MAGIC || second.readUInt32LE(VERSION_OFFSET) !== version) {
      return { ok: false, reason: 'is damaged: its second meta page has no LMDB magic' };
    }
    if (second.readUInt32LE(FREE_DB_OFFSET) !== pageSize) {
      return { ok: false, reason: 'is damaged: its two meta pages disagree on the page size' };
    }
    const pages = BigInt(size / pageSize);
    let txnId = 0n;
    let mainEntries = 0n;
    for (const [index, meta] of [first, second].entries()) {
      const id = meta.readBigUInt64LE(TXNID_OFFSET);
      if (index === 0 || id > txnId) mainEntries = meta.readBigUInt64LE(MAIN_DB_OFFSET + DB_ENTRIES_OFFSET);
      txnId = txnId > id ? txnId : id;
      for (const [name, dbOffset] of [
        ['free-space', FREE_DB_OFFSET],
        ['main', MAIN_DB_OFFSET],
      ] as const) {
        const root = meta.readBigUInt64LE(dbOffset + DB_ROOT_OFFSET);
        // Either meta page may be the one LMDB picks (newest, or newest flushed), so both must fit.
        if (root !== NO_PAGE && root >= pages) {
          return {
            ok: false,
            reason: `is truncated: meta page ${index} puts the ${name} tree root at page ${root} but the file holds ${pages} pages`,
          };
        }
      }
    }
    return { ok: true, pageSize, fileBytes: size, txnId: Number(txnId), mainEntries: Number(mainEntries) };
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  readSync(fd, buf, 0, length, position);
  return buf;
}
