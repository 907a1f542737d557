/**
 * Whether the lab tests can run here, and how they refuse when they cannot: locally (not root,
 * no `ip`/`nft`) they are skipped with the reason printed; in CI (`CI` set and not "false")
 * they run and fail with that reason, so a CI machine that cannot build the lab never passes
 * them silently.
 *
 * Two environment variables help diagnose a failure (neither is set in CI):
 * - `LAB_EXTRA='{"flowPolicy":"min"}'`: extra `createPeer` options (JSON) merged into every
 *   peer's options, to try a tuning without editing the tests;
 * - `LAB_DUMP=/tmp/file.json`: each test writes every peer's full `peer.stats()` there.
 */
import { writeFileSync } from 'node:fs';
import { describe } from 'vitest';
import { labAvailability, removeStaleLabs } from './netlab.js';

export const LAB = labAvailability();
export const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';

if (!LAB.ok && !IN_CI) console.warn(`[lab] skipped: ${LAB.reason}`);

/** `describe` when the lab can run or when in CI (where its tests must fail), else `describe.skip`. */
export function describeLab(name: string, body: () => void): void {
  if (LAB.ok || IN_CI) describe(name, body);
  else describe.skip(name, body);
}

/** Throws the reason the lab cannot run (call it first in each test). */
export function requireLab(): void {
  if (!LAB.ok) throw new Error(`the lab tests cannot run on this machine: ${LAB.reason}. In CI they must run as root with iproute2 and nftables installed (.ci/run installs them).`);
}

/**
 * Removes namespaces left by killed runs, once per test file. It does not throw when the lab
 * cannot run: a hook failure would leave the tests marked skipped; each test calls
 * {@link requireLab} itself and fails.
 */
export function prepareLab(): void {
  if (!LAB.ok) return;
  const stale = removeStaleLabs();
  if (stale.length > 0) console.warn(`[lab] removed ${stale.length} stale namespace(s): ${stale.join(', ')}`);
}

/** Extra `createPeer` options from `LAB_EXTRA` (JSON), or {}. */
export function labExtraOptions(): Record<string, unknown> {
  const raw = process.env.LAB_EXTRA;
  if (raw === undefined || raw === '') return {};
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`LAB_EXTRA is not JSON: ${(err as Error).message}`);
  }
}

/** Writes `what` to the file named by `LAB_DUMP`, if set (`tag` is added to the file name). */
export function labDump(tag: string, what: unknown): void {
  const path = process.env.LAB_DUMP;
  if (path !== undefined && path !== '') writeFileSync(path.replace(/(\.json)?$/, `-${tag}.json`), JSON.stringify(what, null, 1));
}
