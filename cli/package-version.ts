/**
 * The version of the installed ledgecast package, read from its package.json: the nearest one
 * up from this file named `ledgecast` (dist/cli/ when built, cli/ when run from source).
 */
import { readFileSync } from 'node:fs';

/** `version` of ledgecast's package.json, or 'unknown' when it cannot be found. */
export function packageVersion(from: URL = new URL('.', import.meta.url)): string {
  for (let dir = from; ; ) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'ledgecast' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      /* none here: look further up */
    }
    const parent = new URL('..', dir);
    if (parent.href === dir.href) return 'unknown';
    dir = parent;
  }
}
