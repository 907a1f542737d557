/**
 * The command protocol between bench/bridge.mjs and its children (forked with IPC).
 *
 * Parent → child: `{ id, cmd, args }`; child → parent: `{ id, ok, result | error }` for each
 * command, and unsolicited `{ type, ... }` notes (progress counts). A child exits when the
 * parent disconnects (the parent died or is done), so no child outlives the run.
 */
import { fork } from 'node:child_process';

/** Child side: answers commands with `handlers[cmd](args)`; `notes(m)` gets the unsolicited messages. */
export function serveCommands(handlers, notes = () => undefined) {
  if (typeof process.send !== 'function') throw new Error('a bench/bridge child: started by bench/bridge.mjs');
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m) => {
    if (m.id === undefined) return notes(m);
    try {
      const h = handlers[m.cmd];
      if (h === undefined) throw new Error(`unknown command ${m.cmd}`);
      process.send({ id: m.id, ok: true, result: await h(m.args ?? {}) });
    } catch (err) {
      process.send({ id: m.id, ok: false, error: String(err?.stack ?? err) });
    }
  });
}

/** Sends an unsolicited note to the parent (dropped when the channel is gone). */
export function note(m) {
  if (process.connected) process.send(m);
}

/**
 * Parent side: forks `script`, returns `{ proc, call(cmd, args, timeoutMs), onNote(fn), send(m) }`.
 * `track(proc)` registers it for the kill-everything path.
 */
export function forkChild(script, name, track) {
  const proc = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  track(proc, name);
  let next = 1;
  const waiting = new Map();
  let onNote = () => undefined;
  proc.on('message', (m) => {
    if (m.id === undefined) return onNote(m);
    const w = waiting.get(m.id);
    if (w === undefined) return;
    waiting.delete(m.id);
    clearTimeout(w.timer);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(`${name} ${w.cmd}: ${m.error}`));
  });
  proc.once('exit', (code, signal) => {
    for (const w of waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error(`${name} exited (${code ?? signal}) during ${w.cmd}`));
    }
    waiting.clear();
  });
  return {
    proc,
    name,
    call(cmd, args = {}, timeoutMs = 60_000) {
      const id = next++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${name} ${cmd}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, { resolve, reject, timer, cmd });
        proc.send({ id, cmd, args });
      });
    },
    onNote(fn) {
      onNote = fn;
    },
    send(m) {
      if (proc.connected) proc.send(m);
    },
  };
}
