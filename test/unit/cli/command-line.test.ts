import { describe, it, expect } from 'vitest';
import { CommanderError } from 'commander';
import { InvalidOptionError, InvalidSubjectError } from '../../../errors.js';
import { parseCommandLine } from '../../../cli/command-line.js';
import { describeFailure } from '../../../cli/failure.js';

function parse(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  try {
    return { command: parseCommandLine(argv, { out: (s) => out.push(s), err: (s) => err.push(s) }, () => 1), out: out.join(''), err: err.join('') };
  } catch (error) {
    return { error, out: out.join(''), err: err.join('') };
  }
}

describe('parseCommandLine', () => {
  it('parses sub with its pattern, its flags and the common flags', () => {
    const r = parse('sub', 'meeting.>', '--count', '10', '--timeout', '2', '--name', 'tail', '--port', '23456', '--no-multicast', '--peers', '127.0.0.1:1');
    expect(r.command).toEqual({
      kind: 'sub',
      options: { pattern: 'meeting.>', count: 10, timeoutSec: 2, durable: undefined, peer: { name: 'tail', port: 23456, multicast: false, peers: ['127.0.0.1:1'] } },
    });
  });

  it('takes --unicast-port (a fixed address for other peers\' --peers; not for bench, whose two peers share a process)', () => {
    expect(parse('sub', 'a.>', '--unicast-port', '47901', '--peers', '127.0.0.1:47902').command).toMatchObject({ kind: 'sub', options: { peer: { unicastPort: 47901, peers: ['127.0.0.1:47902'] } } });
    expect(parse('pub', 'a.b', '1', '--unicast-port', '47903').command).toMatchObject({ kind: 'pub', options: { peer: { unicastPort: 47903 } } });
    expect(parse('sub', 'a.>', '--unicast-port', '0').error?.message).toMatch(/--unicast-port must be an integer in 1\.\.65535/);
    expect(parse('bench', '--unicast-port', '47904').error).toBeDefined();
  });

  it('accepts the common flags before or after the arguments', () => {
    expect(parse('pub', '--group', '239.255.3.4', 'a.b', '42').command).toMatchObject({ kind: 'pub', options: { subject: 'a.b', source: { kind: 'value', value: 42 }, peer: { group: '239.255.3.4' } } });
  });

  it('parses pub, peers and bench', () => {
    expect(parse('pub', 'a.b', '--count', '3', '--rate', '100').command).toMatchObject({ kind: 'pub', options: { source: { kind: 'sequence', count: 3 }, ratePerSec: 100 } });
    expect(parse('peers', '--seconds', '1', '--json').command).toEqual({ kind: 'peers', options: { seconds: 1, json: true, peer: {} } });
    expect(parse('bench', '--seconds', '1', '--size', '100', '--topology', 'shared', '--json').command).toMatchObject({
      kind: 'bench',
      options: { seconds: 1, sizeBytes: 100, json: true, peer: { topology: 'shared', group: '239.255.1.1', port: 1 } },
    });
  });

  it.each(['sub', 'pub', 'peers', 'bench'])('prints the help of %s on stdout and ends with exit code 0', (cmd) => {
    const r = parse(cmd, '--help');
    expect(r.error).toBeInstanceOf(CommanderError);
    expect(describeFailure(r.error)).toEqual({ exitCode: 0, text: '' });
    expect(r.out).toContain(`Usage: ledgecast ${cmd}`);
    for (const flag of ['--name', '--interface', '--group', '--port', '--ttl', '--peers', '--no-multicast', '--ledger', '--durability', '--topology']) {
      expect(r.out, `${cmd} --help lists ${flag}`).toContain(flag);
    }
  });

  it('reports an unknown flag as one usage line (exit 2), without commander printing its own copy', () => {
    const r = parse('sub', 'a.>', '--cout', '3');
    expect(r.err).toBe('');
    expect(describeFailure(r.error)).toEqual({ exitCode: 2, text: "ledgecast: unknown option '--cout' (Did you mean --count?)" });
  });

  it.each([
    [['sub'], "ledgecast: missing required argument 'pattern'"],
    [['frob'], "ledgecast: unknown command 'frob'"],
    [['pub', 'a.b', '1', '2'], /too many arguments/],
    [['sub', 'a.>', '--topology', 'fast'], /argument 'fast' is invalid. Allowed choices are single, shared, sharedNetwork, dedicated/],
  ])('turns %j into a one-line usage error', (argv, text) => {
    const f = describeFailure(parse(...argv).error);
    expect(f.exitCode).toBe(2);
    expect(f.text).toMatch(text);
    expect(f.text).not.toContain('\n');
  });

  it('throws the library error classes for bad values, which map to exit code 2', () => {
    const badCount = parse('sub', 'a.>', '--count', 'x').error;
    expect(badCount).toBeInstanceOf(InvalidOptionError);
    expect(describeFailure(badCount)).toEqual({ exitCode: 2, text: 'ledgecast: --count must be a positive integer, got "x"' });
    const badSubject = parse('pub', 'a.*', '1').error;
    expect(badSubject).toBeInstanceOf(InvalidSubjectError);
    expect(describeFailure(badSubject).exitCode).toBe(2);
  });

  it('without a subcommand prints the help on stderr and ends with exit code 2', () => {
    const r = parse();
    expect(r.err).toContain('Usage: ledgecast');
    expect(describeFailure(r.error)).toEqual({ exitCode: 2, text: '' });
  });
});

describe('describeFailure', () => {
  it('names the flag instead of the library option path', () => {
    const f = describeFailure(new InvalidOptionError('options.port must be an integer in 1..65535, got 0'));
    expect(f).toEqual({ exitCode: 2, text: 'ledgecast: --port must be an integer in 1..65535, got 0' });
    expect(describeFailure(new InvalidOptionError('options.ledger.path is required unless options.ledger.durability is none')).text).toBe(
      'ledgecast: --ledger is required unless --durability is none',
    );
  });

  it('treats an interface address that is not this host\'s as bad input', () => {
    const err = Object.assign(new Error('bind EADDRNOTAVAIL 10.9.9.9'), { code: 'EADDRNOTAVAIL', address: '10.9.9.9' });
    expect(describeFailure(err)).toEqual({ exitCode: 2, text: 'ledgecast: cannot bind to 10.9.9.9: not an address of this host (check --interface)' });
  });

  it('names the CLI flag in a damaged ledger\'s message', () => {
    const err = Object.assign(new Error("ledger d: d/data.mdb is damaged: x; refusing to open it (options.onDamaged 'moveAside' moves it aside and starts a fresh ledger in a new sequence epoch)"), { code: 'ERR_LEDGER' });
    expect(describeFailure(err).text).toBe("ledgecast: ledger d: d/data.mdb is damaged: x; refusing to open it (--on-damaged move-aside moves it aside and starts a fresh ledger in a new sequence epoch)");
  });

  it('treats a port in use (the monitor\'s --http-port) as bad input', () => {
    const err = Object.assign(new Error('monitor: cannot listen on 127.0.0.1:9464: listen EADDRINUSE: address already in use 127.0.0.1:9464'), { code: 'EADDRINUSE' });
    expect(describeFailure(err)).toEqual({
      exitCode: 2,
      text: 'ledgecast: monitor: cannot listen on 127.0.0.1:9464: listen EADDRINUSE: address already in use 127.0.0.1:9464 (another process listens there: choose another port)',
    });
  });

  it('shows an internal error as its message on one line with exit code 1, and its stack only in debug mode', () => {
    const err = new Error('something\nbroke');
    expect(describeFailure(err)).toEqual({ exitCode: 1, text: 'ledgecast: something broke' });
    expect(describeFailure(err, true).text).toContain('at ');
    expect(describeFailure('plain string')).toEqual({ exitCode: 1, text: 'ledgecast: plain string' });
  });
});
