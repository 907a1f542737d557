import { afterAll, describe, it, expect } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeyFile, writeNewKeyFile } from '../../../cli/key-file.js';
import { parseCommandLine } from '../../../cli/command-line.js';
import { InvalidOptionError } from '../../../errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ledgecast-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('domain key files', () => {
  it('keygen writes a 32-byte base64 key readable by its owner only, and never overwrites one', () => {
    const path = join(dir, 'domain.key');
    writeNewKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').byteLength).toBe(32);
    expect(readKeyFile(path).byteLength).toBe(32);
    const before = readFileSync(path, 'utf8');
    expect(() => writeNewKeyFile(path)).toThrow(/exists/);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it.skipIf(process.platform === 'win32')('refuses a key file others may read, naming the mode and the fix', () => {
    const path = join(dir, 'open.key');
    writeNewKeyFile(path);
    chmodSync(path, 0o644);
    expect(() => readKeyFile(path)).toThrow(/readable by others \(mode 644\).*chmod 600/);
    chmodSync(path, 0o640);
    expect(() => readKeyFile(path)).toThrow(/mode 640/);
  });

  it('refuses a directory as a key file, whatever its mode, as a bad input', () => {
    const path = join(dir, 'keys');
    mkdirSync(path, { mode: 0o700 });
    expect(() => readKeyFile(path)).toThrow(InvalidOptionError);
    expect(() => readKeyFile(path)).toThrow(`--key-file ${path} is not a file (a directory)`);
    chmodSync(path, 0o755);
    expect(() => readKeyFile(path)).toThrow(/is not a file/);
  });

  it('refuses a missing file and a file that is not a key', () => {
    expect(() => readKeyFile(join(dir, 'none.key'))).toThrow(/no such file.*keygen/);
    const path = join(dir, 'short.key');
    writeFileSync(path, 'c2hvcnQ=\n', { mode: 0o600 });
    expect(() => readKeyFile(path)).toThrow(/must be 32 bytes; it is 5/);
  });

  it('--key-file puts the key in the peer options of every subcommand; keygen is a command', () => {
    const path = join(dir, 'cli.key');
    writeNewKeyFile(path);
    const io = { out: () => undefined, err: () => undefined };
    const sub = parseCommandLine(['sub', 'a.>', '--key-file', path], io, () => 1);
    expect(sub.kind === 'sub' && sub.options.peer.security?.key).toEqual(readKeyFile(path));
    expect(parseCommandLine(['keygen', join(dir, 'new.key')], io, () => 1)).toEqual({ kind: 'keygen', path: join(dir, 'new.key') });
  });
});
