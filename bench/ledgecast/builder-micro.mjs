/**
 * The cost of building DATA datagrams, in process: one `DataBatchBuilder` cutting from a
 * `SlabPool` (the sender's setup), 8,192-byte datagrams, the last 64 kept held (a window), CPU ns
 * per message after a warm-up of a quarter of the count. No socket, no actor: the builder alone.
 *
 *   node bench/ledgecast/builder-micro.mjs [--root DIR] [--bytes 1024] [--count 2000000] [--no-pool]
 *
 * `--root`: the checkout whose dist/ to load (default: this one), so that two builds can be
 * alternated (docs/PROFILE.md, step 13). Prints one line.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: { root: { type: 'string' }, bytes: { type: 'string', default: '1024' }, count: { type: 'string', default: '2000000' }, 'no-pool': { type: 'boolean', default: false } } });
const root = values.root ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bytes = Number(values.bytes);
const count = Number(values.count);
if (!Number.isInteger(bytes) || bytes < 0 || bytes > 8000 || !Number.isInteger(count) || count < 1) {
  console.error('usage: builder-micro.mjs [--root DIR] [--bytes 0..8000] [--count N] [--no-pool]');
  process.exit(2);
}
const { DataBatchBuilder } = await import(pathToFileURL(path.join(root, 'dist/codecs/data-batch.js')).href);
const { SlabPool } = await import(pathToFileURL(path.join(root, 'dist/codecs/slab-pool.js')).href);

const pool = new SlabPool(64 * 1024);
const builder = new DataBatchBuilder({ sender: { name: 'bench-pub', incarnation: 1 }, maxDatagramBytes: 8192 });
if (!values['no-pool']) builder.useSlabPool(pool);
const payload = new Uint8Array(bytes).fill(7);
const held = [];
let seq = 1;

function build(n) {
  for (let i = 0; i < n; i++, seq++) {
    if (builder.tryAddFields('bench.data', seq, 0, payload, 1)) continue;
    const d = builder.finish();
    pool.hold(d);
    held.push(d);
    if (held.length > 64) pool.release(held.shift().buffer);
    builder.tryAddFields('bench.data', seq, 0, payload, 1);
  }
}

build(Math.ceil(count / 4));
const before = process.cpuUsage();
build(count);
const used = process.cpuUsage(before);
console.log(`${path.basename(root)} ${bytes} B${values['no-pool'] ? ' (no pool)' : ''}: ${(((used.user + used.system) * 1000) / count).toFixed(1)} ns of CPU a message`);
