/**
 * Small validators shared by the options resolvers of every actor folder: each throws
 * `InvalidOptionError` naming the option path and the bad value.
 */
import { InvalidOptionError } from '../errors.js';

/** A value as an error message shows it: strings quoted (`"100"`, not `100`: why it was refused shows). */
export function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Rejects keys of `given` that `defaults` does not have (typos must not pass silently). */
export function rejectUnknownKeys(path: string, given: object, defaults: object): void {
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(defaults, key)) {
      throw new InvalidOptionError(`${path}.${key} is not a known option (known: ${Object.keys(defaults).join(', ')})`);
    }
  }
}

export function checkInteger(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in ${min}..${max}`;
    throw new InvalidOptionError(`${path} must be ${range}, got ${show(value)}`);
  }
  return value;
}

export function checkNumber(path: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(`${path} must be a number in ${min}..${max}, got ${show(value)}`);
  }
  return value;
}

export function checkBoolean(path: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(`${path} must be true or false, got ${show(value)}`);
  return value;
}

export function checkOneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(`${path} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A dotted-quad IPv4 address. */
export function checkIpv4(path: string, value: unknown): string {
  if (typeof value !== 'string' || !IPV4.test(value)) {
    throw new InvalidOptionError(`${path} must be an IPv4 address such as 127.0.0.1, got ${show(value)}`);
  }
  return value;
}

/** An IPv4 multicast address (224.0.0.0/4). */
export function checkMulticastGroup(path: string, value: unknown): string {
  const ip = checkIpv4(path, value);
  const first = Number(ip.split('.')[0]);
  if (first < 224 || first > 239) {
    throw new InvalidOptionError(`${path} must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255), got ${show(value)}`);
  }
  return ip;
}

/** A `host:port` pair with an IPv4 host. */
export function checkHostPort(path: string, value: unknown): { host: string; port: number } {
  if (typeof value !== 'string') throw new InvalidOptionError(`${path} must be a 'host:port' string, got ${show(value)}`);
  const i = value.lastIndexOf(':');
  if (i <= 0) throw new InvalidOptionError(`${path} must be a 'host:port' string such as 127.0.0.1:47800, got ${show(value)}`);
  const host = checkIpv4(path, value.slice(0, i));
  const portText = value.slice(i + 1);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new InvalidOptionError(`${path} has a bad port in ${show(value)} (1..65535)`);
  return { host, port };
}

/** The fields of `o` that are not undefined (so spreading over defaults keeps the defaults). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
