/**
 * Domain key files for `--key-file` and `ledgecast keygen`: one base64 line, readable by its
 * owner only. Like OpenSSH with a private key, a file that group or others may read is refused
 * with the mode and the fix, before its contents are read.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { InvalidOptionError } from '../errors.js';
import { generateDomainKey, parseDomainKey } from '../actors/socket/security-options.js';

/** Reads and checks the key file at `path`: the 32-byte domain key. @throws InvalidOptionError */
export function readKeyFile(path: string): Uint8Array {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new InvalidOptionError(`--key-file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (create one with `ledgecast keygen PATH`)' : (err as Error).message}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new InvalidOptionError(
      `--key-file ${path} is readable by others (mode ${(mode & 0o777).toString(8).padStart(3, '0')}): a domain key must be private; run \`chmod 600 ${path}\``,
    );
  }
  const text = readFileSync(path, 'utf8').trim();
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
