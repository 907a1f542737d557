/**
 * Domain key files for `--key-file` and `ledgecast keygen`: one base64 line, readable by its
 * owner only. Like OpenSSH with a private key, a file that group or others may read is refused
 * with the mode and the fix, before its contents are read.
 */
import { chmodSync, readFileSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { InvalidOptionError } from '../errors.js';
import { generateDomainKey, parseDomainKey } from '../actors/socket/security-options.js';

/** Reads and checks the key file at `path`: the 32-byte domain key. @throws InvalidOptionError */
export function readKeyFile(path: string): Uint8Array {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (err) {
    throw new InvalidOptionError(`--key-file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (create one with `ledgecast keygen PATH`)' : (err as Error).message}`);
  }
  // Before the mode: a directory's usual 755 was reported as a key readable by others.
  if (!stats.isFile()) throw new InvalidOptionError(`--key-file ${path} is not a file${stats.isDirectory() ? ' (a directory)' : ''}: give the key file (create one with \`ledgecast keygen PATH\`)`);
  const mode = stats.mode;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new InvalidOptionError(
      `--key-file ${path} is readable by others (mode ${(mode & 0o777).toString(8).padStart(3, '0')}): a domain key must be private; run \`chmod 600 ${path}\``,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    // Said as a bad input (exit 2), as the other key file mistakes: it was a raw errno and exit 1.
    throw new InvalidOptionError(`--key-file ${path}: cannot read it (${(err as Error).message})`);
  }
  return parseDomainKey(text, `--key-file ${path}`);
}

/** Writes a new random domain key to `path` (mode 600); refuses to overwrite a file. @throws InvalidOptionError */
export function writeNewKeyFile(path: string): void {
  try {
    writeFileSync(path, `${generateDomainKey()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidOptionError(`keygen ${path}: ${code === 'EEXIST' ? 'the file exists (a key is never overwritten: remove it first)' : (err as Error).message}`);
  }
  // The umask may have masked bits off, never on; set the mode explicitly all the same.
  chmodSync(path, 0o600);
}
