/**
 * Network-safety guards shared by every benchmark script.
 *
 * All benchmark traffic stays on this machine: unicast only to 127.0.0.1, multicast only to an
 * administratively scoped group 239.255.x.y sent out of interface 127.0.0.1 with TTL 0 (Linux delivers
 * the local loopback copy and drops the packet before any transmission when the TTL is 0, so even a
 * mis-set interface cannot put it on a wire). Scripts call these guards before they open a socket so
 * a wrong argument fails loudly instead of sending somewhere else.
 */

/** The only unicast address benchmark traffic may use. */
export const LOOPBACK_HOST = '127.0.0.1';

/** Multicast TTL used by every multicast sender (0 = never leaves the host). */
export const MULTICAST_TTL = 0;

/** Throws unless `host` is exactly 127.0.0.1. */
export function assertLoopbackHost(host) {
  if (host !== LOOPBACK_HOST) {
    throw new Error(`refusing non-loopback host ${JSON.stringify(host)}: benchmarks use ${LOOPBACK_HOST} only`);
  }
  return host;
}

/** Throws unless `group` is an IPv4 group in 239.255.0.0/16 (organization-local scope). */
export function assertLocalMulticastGroup(group) {
  const m = /^239\.255\.(\d{1,3})\.(\d{1,3})$/.exec(String(group));
  if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) {
    throw new Error(`refusing multicast group ${JSON.stringify(group)}: benchmarks use 239.255.x.y only`);
  }
  return group;
}

/** A random group 239.255.[1-254].[1-254], so concurrent or stale runs do not hear each other. */
export function randomMulticastGroup() {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return `239.255.${octet()}.${octet()}`;
}

/** Throws unless `endpoint` is tcp://127.0.0.1:<port or *> (ZeroMQ endpoints). */
export function assertLoopbackTcpEndpoint(endpoint) {
  if (!/^tcp:\/\/127\.0\.0\.1:(\d{1,5}|\*)$/.test(String(endpoint))) {
    throw new Error(`refusing endpoint ${JSON.stringify(endpoint)}: benchmarks use tcp://127.0.0.1 only`);
  }
  return endpoint;
}

/** Throws unless `url` is [nats://]127.0.0.1:<port> (NATS server URLs). */
export function assertLoopbackNatsUrl(url) {
  if (!/^(nats:\/\/)?127\.0\.0\.1:\d{1,5}$/.test(String(url))) {
    throw new Error(`refusing NATS url ${JSON.stringify(url)}: benchmarks use 127.0.0.1 only`);
  }
  return url;
}
