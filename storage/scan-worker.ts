/**
 * piscina worker entry for the recovery scan: `pool.run(path)` runs {@link scanLedger} on a
 * worker thread and returns its (structured-clonable) result. `ledger-open.ts` runs it for a
 * ledger file of `scanInWorkerMinBytes` or more.
 *
 * The worker runs compiled JavaScript (`dist/storage/scan-worker.js`): under a TS test runner
 * there is no `.js` beside this file, so the scan stays in the opening thread. A worker thread
 * shares the process: a corrupt page would still kill it, which is why the store walks the file
 * in a child process before any scan.
 */
import { scanLedger, type LedgerScan } from './ledger-scan.js';

/** URL of this module, for piscina's `filename` (resolves to the compiled `.js`). */
export const SCAN_WORKER_URL = new URL('./scan-worker.js', import.meta.url).href;

/** The task: scan the ledger directory `path`. */
export default function scanTask(path: string): Promise<LedgerScan> {
  return scanLedger(path);
}
