/**
 * Child processes of the scale benches (scale.mjs, nak-implosion.mjs): a script of this folder
 * run with its parameters as one JSON argument, read line by line from its stdout.
 *
 *   const { child, next } = spawnChild('fan-sub.mjs', params, ['--expose-gc']);
 *   await next(30_000); // the next line, or an error after that many ms
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function spawnChild(script, params, execArgv = []) {
  const child = spawn(process.execPath, [...execArgv, join(here, script), JSON.stringify(params)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiters = [];
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      while (waiters.length > 0 && lines.length > 0) waiters.shift()(lines.shift());
    }
  });
  const next = (timeoutMs) =>
    new Promise((resolve, reject) => {
      if (lines.length > 0) return resolve(lines.shift());
      const timer = setTimeout(() => reject(new Error(`${script}: no output in ${timeoutMs} ms`)), timeoutMs);
      waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  return { child, next };
}
