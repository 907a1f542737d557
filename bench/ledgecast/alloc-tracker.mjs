/**
 * Counts every heap object this process allocates between `start()` and `stop()`, by allocation
 * stack, with V8's allocation tracker (the inspector's `HeapProfiler.startTrackingHeapObjects({
 * trackAllocations: true })`, what DevTools calls "allocation instrumentation on timeline").
 * Used by mp-pub.mjs / mp-sub.mjs; see measure-path.mjs for why this tool.
 *
 * How the count works: while tracking, V8 turns inline (bump-pointer) allocation off, so every
 * allocation, from the interpreter, baseline or optimized code, builtins or C++, goes through the
 * runtime, which records it against the current JavaScript stack. `stop()` ends tracking, which
 * makes V8 write a heap snapshot; its `trace_tree` holds, per allocation stack, how many objects
 * were allocated and their bytes, **dead ones included** (the live objects of the snapshot itself are
 * not used). Run the process with `--no-turbo-allocation-folding`: otherwise optimized code
 * allocates several objects of one function as one folded allocation, which counts once.
 *
 * Classification of a stack (innermost frame first): the first frame in `dist/` makes it a
 * **library** allocation, the first in `bench/` an **application** one (the benchmark's own
 * payloads and callback); a stack with neither is **runtime** (Node internals with no ledgecast
 * frame, e.g. timers, or no JavaScript frame at all: allocations made from C++, such as the Buffer
 * of a received datagram before the 'message' event). Stacks through `node:inspector` are the
 * measurement itself (the snapshot being streamed back) and are left out.
 */
import { Session } from 'node:inspector/promises';

/** Starts tracking; returns `stop()` → Promise<summary> (see `summarize`). */
export async function startAllocationTracking() {
  const session = new Session();
  session.connect();
  const chunks = [];
  session.on('HeapProfiler.addHeapSnapshotChunk', (m) => chunks.push(m.params.chunk));
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
  return async function stop() {
    await session.post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false });
    await session.post('HeapProfiler.disable');
    session.disconnect();
    return summarize(JSON.parse(chunks.join('')));
  };
}

const where = (script, line) => {
  if (!script) return '';
  const m = /\/(dist|bench)\/(.*)$/.exec(script);
  const short = m ? (m[1] === 'dist' ? m[2] : `bench/${m[2]}`) : script;
  return `${short}:${line + 1}`;
};
const kindOf = (script) => (/\/dist\//.test(script) ? 'library' : /\/bench\//.test(script) ? 'application' : /^node:inspector$|inspector/.test(script) ? 'measurement' : null);

/**
 * Totals and a per-function table from a snapshot taken by stopTrackingHeapObjects.
 * Returns { objects, bytes, byKind: { library, application, runtime }: { objects, bytes },
 *   sites: [{ fn, via, kind, objects, bytes }] } (measurement stacks excluded, sites sorted by
 *   objects). `fn`: the innermost frame (function name and file:line of its start; a builtin such
 *   as `Uint8Array` or `next` has no file); `via`: the innermost ledgecast or benchmark frame
 *   below it when `fn` is not one itself.
 */
export function summarize(snap) {
  const meta = snap.snapshot.meta;
  const F = meta.trace_function_info_fields.length;
  const fIdx = Object.fromEntries(meta.trace_function_info_fields.map((k, i) => [k, i]));
  const N = meta.trace_node_fields.length;
  const nIdx = Object.fromEntries(meta.trace_node_fields.map((k, i) => [k, i]));
  const S = snap.strings;
  const fi = snap.trace_function_infos;
  const funcs = [];
  for (let i = 0; i * F < fi.length; i++) {
    const name = S[fi[i * F + fIdx.name]] || '(anonymous)';
    const script = S[fi[i * F + fIdx.script_name]] ?? '';
    const line = fi[i * F + fIdx.line];
    funcs.push({ name, script, kind: kindOf(script), label: script ? `${name} ${where(script, line)}` : `${name} (builtin)` });
  }
  const byKind = { library: { objects: 0, bytes: 0 }, application: { objects: 0, bytes: 0 }, runtime: { objects: 0, bytes: 0 } };
  const sites = new Map();
  let objects = 0;
  let bytes = 0;
  let excluded = 0;
  // Iterative walk: stack of [node array, offset, frames-so-far].
  const walk = (arr, offset, frames) => {
    const fidx = arr[offset + nIdx.function_info_index];
    const count = arr[offset + nIdx.count];
    const size = arr[offset + nIdx.size];
    const children = arr[offset + nIdx.children];
    const f = funcs[fidx];
    const here = f.name === '(root)' && frames.length === 0 ? frames : [...frames, f];
    if (count > 0) record(here, count, size);
    for (let j = 0; j < children.length; j += N) walk(children, j, here);
  };
  const record = (frames, count, size) => {
    if (frames.some((f) => f.kind === 'measurement')) {
      excluded += count;
      return;
    }
    let kind = 'runtime';
    let owner = null;
    for (let k = frames.length - 1; k >= 0; k--) {
      if (frames[k].kind === 'library' || frames[k].kind === 'application') {
        kind = frames[k].kind;
        owner = frames[k];
        break;
      }
    }
    const leaf = frames[frames.length - 1];
    const fn = leaf ? leaf.label : '(no JavaScript frame: allocated from C++)';
    const via = owner && owner !== leaf ? owner.label : '';
    const key = `${fn}\u0000${via}`;
    let s = sites.get(key);
    if (!s) sites.set(key, (s = { fn, via, kind, objects: 0, bytes: 0 }));
    s.objects += count;
    s.bytes += size;
    byKind[kind].objects += count;
    byKind[kind].bytes += size;
    objects += count;
    bytes += size;
  };
  const tree = snap.trace_tree;
  for (let j = 0; j < tree.length; j += N) walk(tree, j, []);
  return { objects, bytes, byKind, excludedMeasurementObjects: excluded, sites: [...sites.values()].sort((a, b) => b.objects - a.objects) };
}
