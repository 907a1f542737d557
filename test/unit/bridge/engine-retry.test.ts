import { describe, expect, it } from 'vitest';
import { JetStreamApiError } from '@nats-io/jetstream';
import { isTransient, withEngineRetry } from '../../../bridge/engine-retry.js';
import { InvalidOptionError } from '../../../errors.js';

const apiError = (code: number, err_code: number, description: string): JetStreamApiError => new JetStreamApiError({ code, err_code, description });

describe('isTransient: what a JetStream starting or electing may say, and what no retry mends', () => {
  it('retries placement refused while peers are missing, "unavailable", and requests unanswered', () => {
    expect(isTransient(apiError(400, 10005, 'no suitable peers for placement'))).toBe(true);
    expect(isTransient(apiError(503, 10008, 'JetStream system temporarily unavailable'))).toBe(true);
    expect(isTransient(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))).toBe(true);
    expect(isTransient(new Error('503 no responders'))).toBe(true);
  });

  it('fails at once on settings the engine refuses, a bad option, a permissions violation', () => {
    expect(isTransient(apiError(500, 10074, 'replicas > 1 not supported in non-clustered mode'))).toBe(false);
    expect(isTransient(new InvalidOptionError('JetStream stream LC_A exists without the subjects lc.A.>'))).toBe(false);
    expect(isTransient(new Error("Permissions Violation for Publish to '$JS.API.STREAM.CREATE.LC_A'"))).toBe(false);
  });
});

describe('withEngineRetry', () => {
  const o = { retryDelayMs: 5, connectTimeoutMs: 2000 };

  it('tries again until the operation succeeds, saying the first failure once', async () => {
    const said: string[] = [];
    let calls = 0;
    const got = await withEngineRetry(o, 'creating the stream', async () => {
      if (++calls < 4) throw new Error('timeout');
      return 'done';
    }, (e) => said.push(e.message));
    expect(got).toBe('done');
    expect(calls).toBe(4);
    expect(said).toEqual(['creating the stream failed (timeout); retrying every 5 ms within connectTimeoutMs']);
  });

  it('throws a failure no retry mends at the first attempt', async () => {
    let calls = 0;
    const refused = apiError(500, 10074, 'replicas > 1 not supported in non-clustered mode');
    await expect(withEngineRetry(o, 'x', async () => {
      calls++;
      throw refused;
    }, () => undefined)).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  /** How long a retry of an operation that always times out takes to give up (it must throw the last failure). */
  async function givesUpAfterMs(o: { retryDelayMs: number; connectTimeoutMs: number }): Promise<number> {
    const t0 = performance.now();
    await expect(withEngineRetry(o, 'x', async () => {
      throw new Error('timeout');
    }, () => undefined)).rejects.toThrow('timeout');
    return performance.now() - t0;
  }

  it('throws the last failure once connectTimeoutMs has passed', async () => {
    expect(await givesUpAfterMs({ retryDelayMs: 10, connectTimeoutMs: 100 })).toBeLessThan(1000);
  });

  it('does not wait for a retry the time left cannot hold, keeps trying with connectTimeoutMs 0, and keeps the cause', async () => {
    expect(await givesUpAfterMs({ retryDelayMs: 5000, connectTimeoutMs: 100 })).toBeLessThan(1000);

    const said: Error[] = [];
    let calls = 0;
    const first = new Error('no responders');
    await withEngineRetry({ retryDelayMs: 1, connectTimeoutMs: 0 }, 'x', async () => {
      if (++calls === 1) throw first;
      if (calls < 30) throw new Error('timeout');
    }, (e) => said.push(e));
    expect(calls).toBe(30);
    expect(said).toHaveLength(1);
    expect(said[0].cause).toBe(first);
  });
});
