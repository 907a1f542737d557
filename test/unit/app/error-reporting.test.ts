import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../../actors/app/error-reporting.js';

afterEach(() => vi.restoreAllMocks());

describe('reportError (Peer and Bridge errors they cannot throw)', () => {
  it('prints a process warning of the given type and code when nobody listens, and does not throw', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(() => reportError(new EventEmitter(), new Error('disk full'), { type: 'X', code: 'LEDGECAST_ERROR' })).not.toThrow();
    expect(warn).toHaveBeenCalledWith('disk full', { type: 'X', code: 'LEDGECAST_ERROR' });
  });

  it("emits 'error' to a listener, with no warning", () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const emitter = new EventEmitter();
    const got: Error[] = [];
    emitter.on('error', (e: Error) => got.push(e));
    const err = new Error('boom');
    reportError(emitter, err, { type: 'X' });
    expect(got).toEqual([err]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('a listener that throws does not throw through the caller: its exception is thrown again from a tick of its own', () => {
    const ticks: (() => void)[] = [];
    vi.spyOn(process, 'nextTick').mockImplementation(((fn: () => void) => void ticks.push(fn)) as typeof process.nextTick);
    const emitter = new EventEmitter();
    const thrown = new Error('from the listener');
    emitter.on('error', () => {
      throw thrown;
    });
    expect(() => reportError(emitter, new Error('boom'), { type: 'X' })).not.toThrow();
    expect(ticks).toHaveLength(1);
    expect(() => ticks[0]!()).toThrow(thrown);
  });
});
