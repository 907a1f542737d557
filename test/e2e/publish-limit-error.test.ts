/**
 * A publish that resolved once queued and was refused later (here: `sender.maxStreams` met) is
 * said by an 'error' event whose `code` is the refusal's, as callers test `err.code`. Before (a
 * user-style check, 7 December), it was a plain Error with no code.
 */
import { expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, within } from './helpers.js';

it('publishes past sender.maxStreams that resolved once queued are said as an error event with code ERR_BACKPRESSURE, naming how many and why', async () => {
  const pub = await createPeer({ ...freshNetwork(), name: 'few-streams', sender: { maxStreams: 5 } });
  const errors: { code?: string; message: string; cause?: unknown }[] = [];
  pub.on('error', (e) => errors.push(e as never));
  try {
    for (let i = 0; i < 10; i++) await pub.publish(`lim.s${i}`, { i });
    await within(5_000, 'the error event', (async () => {
      while (errors.length === 0) await new Promise((r) => setTimeout(r, 10));
    })());
    expect(errors[0]).toMatchObject({ code: 'ERR_BACKPRESSURE', message: expect.stringMatching(/^10 message\(s\) .* were not published: publishing would exceed 5 streams/) });
    expect((errors[0].cause as { code?: string }).code).toBe('ERR_BACKPRESSURE');
  } finally {
    await pub.close();
  }
}, 20_000);
