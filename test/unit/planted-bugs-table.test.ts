/**
 * `test/planted-bugs.sh` plants each listed bug with a `sed` over one source file and checks a
 * test catches it (docs/TESTING.md). A refactor that moves the code leaves a pattern that no
 * longer matches, and that bug is silently never planted again (five of fifteen were, once). This
 * test applies every pattern to a copy of its file and requires that it changes it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SCRIPT = 'test/planted-bugs.sh';

/** The script's FILE and SED tables, read by bash itself (the quoting is bash's). */
function plantedBugs(): { key: string; file: string; sed: string }[] {
  const text = readFileSync(SCRIPT, 'utf8');
  const table = text.slice(text.indexOf('declare -A'), text.indexOf('\nstatus=0'));
  const dump = execFileSync('bash', ['-c', `${table}\nfor k in $(printf '%s\\n' "\${!FILE[@]}" | sort); do printf '%s\\0%s\\0%s\\0' "$k" "\${FILE[$k]}" "\${SED[$k]}"; done`], { encoding: 'utf8' });
  const parts = dump.split('\0');
  const out: { key: string; file: string; sed: string }[] = [];
  for (let i = 0; i + 2 < parts.length; i += 3) out.push({ key: parts[i], file: parts[i + 1], sed: parts[i + 2] });
  return out;
}

describe('planted bugs (test/planted-bugs.sh)', () => {
  const bugs = plantedBugs();

  it('lists the fifteen bugs of docs/TESTING.md', () => {
    expect(bugs.map((b) => b.key)).toEqual('abcdefghijklmno'.split(''));
  });

  for (const bug of bugs) {
    it(`bug ${bug.key}: its pattern still changes ${bug.file}`, () => {
      const source = readFileSync(bug.file, 'utf8');
      const planted = execFileSync('sed', [bug.sed, bug.file], { encoding: 'utf8' });
      expect(planted).not.toEqual(source);
    });
  }
});
