import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LedgerStore } from '../../../storage/index.js';
import { ledgerLockFile, procStartTicks } from '../../../storage/ledger-lock.js';
import { compiledStorageUrl, removeTempDirs, runChild, tempDir } from './support.js';

beforeAll(compiledStorageUrl);
afterAll(removeTempDirs);



describe('ledger lock', () => {
  it('refuses a ledger held by another live process, then takes it over once that process is killed', async () => {
    const path = join(tempDir(), 'ledger');
    const child = runChild(`
      const { LedgerStore } = await import(STORAGE);
      const store = await LedgerStore.open({ path: ${JSON.stringify(path)}, peerName: 'p1' });
      console.log('ready ' + process.pid);
      setInterval(() => {}, 1000);
    `);
    try {
      await child.waitFor('ready');
      const pid = child.proc.pid as number;
      await expect(LedgerStore.open({ path, peerName: 'p1' })).rejects.toThrow(
        `ledger ${path} is already open by process ${pid} under peer name p1`,
      );
      const lock = JSON.parse(readFileSync(ledgerLockFile(path), 'utf8'));
      expect(lock).toMatchObject({ pid, peerName: 'p1' });
      expect(typeof lock.startedAtMs).toBe('number');
      child.proc.kill('SIGKILL');
      await child.exited;
      const store = await LedgerStore.open({ path, peerName: 'p1' });
      expect(store.recovery).toMatchObject({ lockTakenOver: true, uncleanShutdown: true });
      expect(JSON.parse(readFileSync(ledgerLockFile(path), 'utf8')).pid).toBe(process.pid);
      await store.close();
      expect(existsSync(ledgerLockFile(path))).toBe(false);
    } finally {
      child.proc.kill('SIGKILL');
    }
  });

  it('refuses a lock file naming a live pid, and takes over one naming a dead pid', async () => {
    const path = join(tempDir(), 'ledger');
    mkdirSync(path, { recursive: true });
    const sleeper = runChild(`console.log('up'); setInterval(() => {}, 1000);`);
    try {
      await sleeper.waitFor('up');
      const pid = sleeper.proc.pid as number;
      writeFileSync(ledgerLockFile(path), JSON.stringify({ pid, peerName: 'p', startedAtMs: 1, procStartTicks: procStartTicks(pid) }));
      await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toMatchObject({
        name: 'LedgerError',
        code: 'ERR_LEDGER',
        message: `ledger ${path} is already open by process ${pid} under peer name p`,
      });
      sleeper.proc.kill('SIGKILL');
      await sleeper.exited;
      const store = await LedgerStore.open({ path, peerName: 'p' });
      expect(store.recovery.lockTakenOver).toBe(true);
      await store.close();
    } finally {
      sleeper.proc.kill('SIGKILL');
    }
  });

  it('refuses a ledger a build from before 7 December holds (its <peerName>.lock names a live process), and ignores a dead one', async () => {
    const path = join(tempDir(), 'ledger');
    mkdirSync(path, { recursive: true });
    const sleeper = runChild(`console.log('up'); setInterval(() => {}, 1000);`);
    try {
      await sleeper.waitFor('up');
      const pid = sleeper.proc.pid as number;
      writeFileSync(join(path, 'old%20name.lock'), JSON.stringify({ pid, peerName: 'old name', startedAtMs: 1, procStartTicks: procStartTicks(pid) }));
      await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toThrow(
        `ledger ${path} is already open by process ${pid} under peer name old name (a ledgecast build from before 7 December, which locks <peerName>.lock)`,
      );
      expect(existsSync(ledgerLockFile(path))).toBe(false);
      sleeper.proc.kill('SIGKILL');
      await sleeper.exited;
      const store = await LedgerStore.open({ path, peerName: 'p' });
      await store.close();
    } finally {
      sleeper.proc.kill('SIGKILL');
    }
  });

  it('treats a live pid with another start time as reused, hence stale', async () => {
    const path = join(tempDir(), 'ledger');
    mkdirSync(path, { recursive: true });
    // pid 1 is alive, but it did not start at tick 1 after boot... unless it did: use an odd value.
    writeFileSync(ledgerLockFile(path), JSON.stringify({ pid: 1, peerName: 'p', startedAtMs: 1, procStartTicks: '-42' }));
    const store = await LedgerStore.open({ path, peerName: 'p' });
    expect(store.recovery.lockTakenOver).toBe(true);
    await store.close();
  });

  it('refuses a ledger written under another peer name and leaves no lock behind', async () => {
    const path = join(tempDir(), 'ledger');
    const a = await LedgerStore.open({ path, peerName: 'a' });
    await expect(LedgerStore.open({ path, peerName: 'b' })).rejects.toThrow(/already open in this process/);
    await a.close();
    await expect(LedgerStore.open({ path, peerName: 'b' })).rejects.toThrow(
      `ledger ${path} belongs to peer name "a", not "b"; open it with that name (options.name) or use another path`,
    );
    expect(existsSync(ledgerLockFile(path))).toBe(false);
  });

  it('refuses to open one path twice in the same process', async () => {
    const path = join(tempDir(), 'ledger');
    const a = await LedgerStore.open({ path, peerName: 'p' });
    await expect(LedgerStore.open({ path: `${path}/.`, peerName: 'p' })).rejects.toThrow(
      `ledger ${path}/. is already open in this process`,
    );
    await a.close();
    const b = await LedgerStore.open({ path, peerName: 'p' });
    await b.close();
  });

  it('releases the lock when the process exits without close()', async () => {
    const path = join(tempDir(), 'ledger');
    const child = runChild(`
      const { LedgerStore } = await import(STORAGE);
      const store = await LedgerStore.open({ path: ${JSON.stringify(path)}, peerName: 'p' });
      await store.appendSent('s', [{ seq: 1, flags: 0, payload: new Uint8Array(3), sentAtMs: 1 }]);
      console.log('locked ' + ${JSON.stringify(ledgerLockFile(path))});
      process.exit(0);
    `);
    await child.waitFor('locked');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(ledgerLockFile(path))).toBe(false);
    const store = await LedgerStore.open({ path, peerName: 'p' });
    expect(store.recovery).toMatchObject({ lockTakenOver: false, uncleanShutdown: true });
    await store.close();
  });

  it('refuses a ledger open in another process under another name, and does not judge its files (nor move them aside)', async () => {
    const path = join(tempDir(), 'ledger');
    const child = runChild(`
      const { LedgerStore } = await import(STORAGE);
      const store = await LedgerStore.open({ path: ${JSON.stringify(path)}, peerName: 'a' });
      let seq = 0;
      setInterval(() => void store.appendSent('s', Array.from({ length: 50 }, () => ({ seq: ++seq, flags: 0, payload: new Uint8Array(200), sentAtMs: 1 }))), 1);
      console.log('ready ' + process.pid);
    `);
    try {
      await child.waitFor('ready');
      const pid = child.proc.pid as number;
      for (let i = 0; i < 10; i++) {
        await expect(LedgerStore.open({ path, peerName: 'b', onDamaged: 'moveAside' })).rejects.toThrow(
          `ledger ${path} is already open by process ${pid} under peer name a`,
        );
      }
      expect(readdirSync(dirname(path)).filter((f) => f.includes('.damaged-'))).toEqual([]);
      expect(JSON.parse(readFileSync(ledgerLockFile(path), 'utf8'))).toMatchObject({ pid, peerName: 'a' });
    } finally {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    // Its owner gone, the ledger is still its own: refused under another name, opened under its own.
    await expect(LedgerStore.open({ path, peerName: 'b' })).rejects.toThrow(`ledger ${path} belongs to peer name "a", not "b"`);
    const store = await LedgerStore.open({ path, peerName: 'a' });
    expect(store.recovery.uncleanShutdown).toBe(true);
    await store.close();
  });
});
