/**
 * Summary of a `.cpuprofile` written by `node --cpu-prof` (used by measure-path.mjs --cpu-prof).
 *
 *   summarizeCpuProfile(profile, top = 12) → { totalMs, idleMs, busyMs, gcMs, gcShare, top }
 *
 * Time per node = the sum of the sampling intervals (timeDeltas) of the samples that landed on it
 * (self time). Busy = everything but `(idle)` (the thread waiting in the event loop); `(program)`
 * (native code with no JavaScript frame) and `(garbage collector)` count as busy. `top`: functions
 * by self time, merged by name and position, with their share of busy time. The profile covers the
 * whole process life (start-up and the benchmark's waits included), as the shares say.
 */
export function summarizeCpuProfile(profile, top = 12) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the interval after it to sample i.
    const dt = (timeDeltas[i + 1] ?? 0) / 1000;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  const fns = new Map();
  let totalMs = 0;
  for (const [id, ms] of self) {
    const cf = byId.get(id).callFrame;
    const m = /\/(dist|bench)\/(.*)$/.exec(cf.url ?? '');
    const file = m ? (m[1] === 'dist' ? m[2] : `bench/${m[2]}`) : cf.url;
    const where = file ? `${file}:${cf.lineNumber + 1}` : '';
    const name = cf.functionName || '(anonymous)';
    const key = `${name}\u0000${where}`;
    const e = fns.get(key) ?? { name, where, ms: 0 };
    e.ms += ms;
    fns.set(key, e);
    totalMs += ms;
  }
  const special = (name) => [...fns.values()].filter((e) => e.name === name).reduce((a, e) => a + e.ms, 0);
  const idleMs = special('(idle)');
  const gcMs = special('(garbage collector)');
  const busyMs = totalMs - idleMs;
  const list = [...fns.values()]
    .filter((e) => e.name !== '(idle)')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top)
    .map((e) => ({ ...e, share: e.ms / busyMs }));
  return { totalMs, idleMs, busyMs, gcMs, gcShare: gcMs / busyMs, top: list };
}
