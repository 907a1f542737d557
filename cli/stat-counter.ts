/**
 * Reading one counter out of `peer.stats()`, whose per-actor records are plain data that
 * differ by actor and version: a missing counter reads as 0 rather than failing a display.
 */
export function numberAt(root: unknown, ...path: string[]): number {
  let v: unknown = root;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' ? v : 0;
}
