/**
 * What `pub` shows on a terminal: a progress line while publishing and lingering, and a
 * one-line summary at the end. Pure: the caller passes the counts and the time; `pub` shows
 * either only when stderr is a terminal (piped, it stays quiet).
 */
import { formatAge, formatCount } from './text-table.js';

/** The publishing so far. */
export interface PubProgressState {
  /** Messages handed to the peer. */
  readonly published: number;
  /** Messages to publish in all (undefined for stdin: unknown). */
  readonly total: number | undefined;
  /** When publishing started and, once done, ended (ms, any monotonic clock). */
  readonly startedMs: number;
  readonly endedMs: number | undefined;
}

/** Messages per second over `ms` (0 for no time). */
export function ratePerSec(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/** `published 1,200 / 5,000 (24%), 3,980 msg/s, 0.3 s` while publishing; `lingering …` after. */
export function progressLine(s: PubProgressState, subject: string, nowMs: number, lingerLeftMs?: number): string {
  const ms = (s.endedMs ?? nowMs) - s.startedMs;
  const count = s.total === undefined ? formatCount(s.published) : `${formatCount(s.published)} / ${formatCount(s.total)} (${Math.floor((100 * s.published) / Math.max(1, s.total))}%)`;
  const head = `${subject}: published ${count}, ${formatCount(Math.round(ratePerSec(s.published, ms)))} msg/s, ${formatAge(ms)}`;
  return lingerLeftMs === undefined ? head : `${head}, lingering ${formatAge(lingerLeftMs)}`;
}

/** `published 5,000 messages on a.b in 1.3 s (3,846 msg/s)`, with `, stopped` when interrupted. */
export function summaryLine(s: PubProgressState, subject: string, nowMs: number, stopped: boolean): string {
  const ms = (s.endedMs ?? nowMs) - s.startedMs;
  const noun = s.published === 1 ? 'message' : 'messages';
  const stop = stopped ? (s.total === undefined ? ', stopped' : `, stopped before ${formatCount(s.total)}`) : '';
  return `ledgecast: published ${formatCount(s.published)} ${noun} on ${subject} in ${formatAge(ms)} (${formatCount(Math.round(ratePerSec(s.published, ms)))} msg/s)${stop}`;
}
