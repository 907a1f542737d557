/**
 * The "Data path costs" section of docs/BENCHMARKS.md, from the --json output of
 * bench/ledgecast/measure-path.mjs (issue 10: objects allocated per message, main-thread busy time
 * per message per topology preset, heap held per windowed message). Pure: no I/O.
 *
 *   buildPathCosts(json | null) → PathCosts | null
 *   renderPathCosts(pathCosts) → string (markdown, without the section title)
 *   pathCostsConsole(pathCosts) → string (a few lines for the terminal)
 */
import { fmtRate, fmtSpread, mdTable } from './format.mjs';

const PRESET_ORDER = ['single', 'shared', 'sharedNetwork', 'dedicated'];
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const mib = (x) => (Number.isFinite(x) ? (x / 2 ** 20).toFixed(0) : '–');

/** Keeps what the report shows; null when measure-path did not run. */
export function buildPathCosts(json) {
  if (!json) return null;
  const busy = Object.entries(json.busy ?? {})
    .map(([preset, b]) => ({ preset, ...b }))
    .sort((a, b) => PRESET_ORDER.indexOf(a.preset) - PRESET_ORDER.indexOf(b.preset));
  return {
    options: json.meta?.options ?? {},
    loadavg: [json.meta?.loadavgStart, json.meta?.loadavgEnd],
    alloc: json.alloc,
    busy,
    window: json.window,
    problems: json.problems ?? [],
  };
}

function allocTables(alloc, o) {
  const out = [];
  const sides = [['publisher process', alloc.pub], ['subscriber process', alloc.sub]].filter(([, x]) => x?.runs);
  if (!sides.length) return ['Not measured (no successful run).'];
  out.push(
    mdTable(
      ['process', 'objects/message', 'library', 'application', 'runtime', 'bytes allocated/message', 'runs'],
      sides.map(([name, x]) => [
        name,
        fmtSpread(x.objectsPerMsg, f2),
        f2(x.libraryObjectsPerMsg.median),
        f2(x.applicationObjectsPerMsg.median),
        f2(x.runtimeObjectsPerMsg.median),
        f0(x.bytesPerMsg.median),
        String(x.runs),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  for (const [name, x] of sides) {
    out.push('');
    out.push(`Top ${x.top.length} allocating functions, ${name}:`);
    out.push('');
    out.push(
      mdTable(
        ['function (innermost frame)', 'called from (innermost ledgecast / benchmark frame)', 'kind', 'objects/message', 'bytes/message'],
        x.top.map((t) => [`\`${t.fn}\``, t.via ? `\`${t.via}\`` : '', t.kind, fmtSpread(t.objectsPerMsg, f2), f0(t.bytesPerMsg.median)]),
        ['l', 'l', 'l', 'r', 'r'],
      ),
    );
  }
  out.push('');
  out.push(
    `64-byte messages, default options (\`single\` preset), ${fmtRate(o.warmup)} messages unmeasured then ${fmtRate(o.allocMessages)} counted by V8's allocation tracker ` +
      '(every allocation, dead objects included, by JavaScript stack; `--no-turbo-allocation-folding` so that a folded group of objects counts as its objects). ' +
      'Each process\'s whole allocation counts: library = the innermost ledgecast frame of the stack, application = the benchmark\'s own frames ' +
      '(the publisher\'s fresh payload `Uint8Array`; the subscriber callback allocates nothing), runtime = Node with no ledgecast frame (timers, allocations from C++). ' +
      '`next`/`values` (builtin) are iterator objects of `for … of` loops that the JIT did not optimize away. Median (min–max) over runs; the JIT makes the count vary between runs.',
  );
  return out;
}

function busyTable(busy) {
  if (!busy.length) return 'Not measured.';
  return mdTable(
    ['preset', 'publisher µs/message', 'subscriber µs/message', 'main-thread ELU pub / sub', 'main-thread CPU µs/message pub / sub', 'process CPU µs/message pub / sub', 'delivered msg/s', 'publisher peak RSS', 'clean runs'],
    busy.map((b) => [
      b.preset,
      fmtSpread(b.pubBusyUsPerMsg, f2),
      fmtSpread(b.subBusyUsPerMsg, f2),
      `${f0(100 * b.pubElu?.median)} % / ${f0(100 * b.subElu?.median)} %`,
      `${f2(b.pubMainCpuUsPerMsg?.median)} / ${f2(b.subMainCpuUsPerMsg?.median)}`,
      `${f2(b.pubCpuUsPerMsg?.median)} / ${f2(b.subCpuUsPerMsg?.median)}`,
      fmtSpread(b.deliveredMsgsPerSec, fmtRate),
      `${mib(b.pubRssBytes?.median)} MiB`,
      b.runs ? `${b.cleanRuns}/${b.runs}` : 'not run',
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

function windowTable(w, singleBusy) {
  if (!w?.okRuns) return 'Not measured.';
  return mdTable(
    ['messages held', 'memory held per message', 'of which V8 heap', 'wire: record bytes', 'wire: datagram bytes per message', 'held / record', 'change on a second fill', 'publisher peak RSS, 64 B run (`single`)'],
    [[
      String(w.windowMessages),
      `${fmtSpread(w.bytesPerHeldMessage, f0)} B`,
      `${f0(w.heapUsedPerHeldMessage.median)} B`,
      `${f0(w.recordBytesPerMessage.median)} B`,
      `${f2(w.datagramBytesPerMessage.median)} B`,
      `${f2(w.bytesPerHeldMessage.median / w.recordBytesPerMessage.median)}×`,
      `${f0(w.secondFillDeltaBytes.median / 1024)} KiB`,
      singleBusy ? `${mib(singleBusy.pubRssBytes?.median)} MiB` : '–',
    ]],
    ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

export function renderPathCosts(pc) {
  const o = pc.options;
  const out = [];
  out.push(
    `From \`node bench/ledgecast/measure-path.mjs\` (${o.runs} run${o.runs > 1 ? 's' : ''}${o.quick ? ', quick' : ''}), the figures issue 10 (the zero-copy data path) compares before and after. ` +
      'Two processes on loopback, 64-byte payloads; see the script\'s header for the method.',
  );
  out.push('');
  out.push('### Objects allocated per message');
  out.push('');
  if (pc.alloc) out.push(...allocTables(pc.alloc, o));
  else out.push('Not measured.');
  out.push('');
  out.push('### Main-thread busy time per message');
  out.push('');
  out.push(busyTable(pc.busy));
  out.push('');
  out.push(
    `${fmtRate(o.messages)} messages per run, published with \`tryPublish\` until it says false, then \`await publish\` of the next message (it waits for room). ` +
      'µs/message = event-loop utilization of the main thread × interval / messages (`performance.eventLoopUtilization()`): on the publisher from the first publish ' +
      'to the last one resolved, on the subscriber from the first delivery to the last. It is wall time in which the loop was not waiting, so on a loaded machine it includes ' +
      'time the thread was runnable but not running; "main-thread CPU" (Linux /proc, 10 ms ticks) does not, and is the figure to compare across runs on a loaded machine. With worker-thread presets part of the work leaves the main thread: "process CPU" is the CPU time of every thread of the process over the same interval. ' +
      'A publisher at 100 % ELU is CPU-bound: its µs/message is then 1 / its publish rate.',
  );
  out.push('');
  out.push('### Bytes held per windowed message');
  out.push('');
  out.push(windowTable(pc.window, pc.busy.find((b) => b.preset === 'single')));
  out.push('');
  out.push(
    'One publisher with no subscriber, default options (`single`): the sender window filled with 64-byte messages; held = growth of V8\'s `heapUsed` + `external` (the sender\'s datagram slabs included: plain ArrayBuffers) ' +
      'after a forced full GC, divided by the growth of the window\'s message count (peer.stats()), the application\'s payload included (the library keeps it, not a copy). ' +
      'Wire bytes: the message record is 16 bytes + the payload (docs/PROTOCOL.md, "Message record"); datagram bytes per message is what the socket sent per message ' +
      '(frame header, stream table, heartbeats included). The second fill adds as many messages again (the window evicts as many): its heap change shows the steady state. ' +
      'Publisher peak RSS: VmHWM of the publisher process in the `single` run of the table above.',
  );
  if (pc.problems.length) {
    out.push('');
    out.push(`Problems: ${pc.problems.join('; ')}`);
  }
  return out.join('\n');
}

export function pathCostsConsole(pc) {
  const out = ['Data path costs (measure-path.mjs):'];
  const a = pc.alloc;
  if (a) out.push(`  objects/message: publisher ${fmtSpread(a.pub?.objectsPerMsg, f2)}, subscriber ${fmtSpread(a.sub?.objectsPerMsg, f2)}`);
  for (const b of pc.busy) out.push(`  ${b.preset}: main thread ${f2(b.pubBusyUsPerMsg?.median)} µs/msg publisher, ${f2(b.subBusyUsPerMsg?.median)} µs/msg subscriber, ${fmtRate(b.deliveredMsgsPerSec?.median)} msg/s`);
  const w = pc.window;
  if (w?.okRuns) out.push(`  window: ${f0(w.bytesPerHeldMessage.median)} B held per 64 B message (record ${f0(w.recordBytesPerMessage.median)} B on the wire)`);
  return out.join('\n');
}
