/**
 * Every error ledgecast throws or emits, in one place.
 *
 * Callers test `err.code` (or `err.name`), never `instanceof` across a thread boundary:
 * errors cross threads as plain data ({@link SerializedError}) and are rebuilt here by
 * {@link deserializeError}.
 *
 * @packageDocumentation
 */

/** The `code` of every ledgecast error. */
export const ERROR_CODES = {
  invalidSubject: 'ERR_INVALID_SUBJECT',
  invalidOption: 'ERR_INVALID_OPTION',
  backpressure: 'ERR_BACKPRESSURE',
  peerClosed: 'ERR_PEER_CLOSED',
  ledger: 'ERR_LEDGER',
  dataLoss: 'ERR_DATA_LOSS',
  payloadTooLarge: 'ERR_PAYLOAD_TOO_LARGE',
  timeout: 'ERR_TIMEOUT',
  channelGaveUp: 'ERR_CHANNEL_GAVE_UP',
  handler: 'ERR_HANDLER',
  internal: 'ERR_INTERNAL',
  domainKey: 'ERR_DOMAIN_KEY',
  noResponders: 'ERR_NO_RESPONDERS',
  aborted: 'ERR_ABORTED',
  /** A bounded table (streams, peers, patterns) is full: said once per limit, counted in `stats()`. */
  limit: 'ERR_LIMIT',
  /** Another process on the network uses this peer's name: said once, counted in `stats()`. */
  nameConflict: 'ERR_NAME_CONFLICT',
  /** A payload the codec cannot encode (a symbol, a function, a circular object, a BigInt under `json`). */
  encode: 'ERR_ENCODE',
  /** A delivered payload the subscription's codec cannot decode (`msg.data`; bytes that are not JSON under `json`). */
  decode: 'ERR_DECODE',
  /** Multicast on, no seed peers, and not one multicast datagram heard, not even our own: said once. */
  noMulticast: 'ERR_NO_MULTICAST',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Base class of every ledgecast error. */
export class LedgecastError extends Error {
  static override name = 'LedgecastError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = 'LedgecastError';
  }
}

/** A subject or pattern that breaks the subject rules (see README "Subjects"). */
export class InvalidSubjectError extends LedgecastError {
  static override name = 'InvalidSubjectError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.invalidSubject, message, options);
    this.name = 'InvalidSubjectError';
  }
}

/** An option that is unknown, of the wrong type or out of range. */
export class InvalidOptionError extends LedgecastError {
  static override name = 'InvalidOptionError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.invalidOption, message, options);
    this.name = 'InvalidOptionError';
  }
}

/** A non-blocking operation would have had to wait (flow control). */
export class BackpressureError extends LedgecastError {
  static override name = 'BackpressureError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.backpressure, message, options);
    this.name = 'BackpressureError';
  }
}

/** The peer is closed or closing. */
export class PeerClosedError extends LedgecastError {
  static override name = 'PeerClosedError';
  constructor(message = 'the peer is closed', options?: ErrorOptions) {
    super(ERROR_CODES.peerClosed, message, options);
    this.name = 'PeerClosedError';
  }
}

/** The ledger could not be opened, read or written. */
export class LedgerError extends LedgecastError {
  static override name = 'LedgerError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.ledger, message, options);
    this.name = 'LedgerError';
  }
}

/** A payload over the configured maximum message size. */
export class PayloadTooLargeError extends LedgecastError {
  static override name = 'PayloadTooLargeError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.payloadTooLarge, message, options);
    this.name = 'PayloadTooLargeError';
  }
}

/** A payload the codec could not encode; `cause` is what the codec threw. */
export class EncodeError extends LedgecastError {
  static override name = 'EncodeError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.encode, message, options);
    this.name = 'EncodeError';
  }
}

/** A delivered payload the subscription's codec could not decode (thrown by `msg.data`); `cause` is what the codec threw. */
export class DecodeError extends LedgecastError {
  static override name = 'DecodeError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.decode, message, options);
    this.name = 'DecodeError';
  }
}

/** A request got no reply in time. */
export class TimeoutError extends LedgecastError {
  static override name = 'TimeoutError';
  constructor(message: string, options?: ErrorOptions) {
    super(ERROR_CODES.timeout, message, options);
    this.name = 'TimeoutError';
  }
}

/**
 * A request nobody can answer: no known peer advertises a pattern matching its subject, and no
 * subscription of this peer matches it (see `peer.request`). Thrown at once instead of waiting
 * for the request's timeout.
 */
export class NoRespondersError extends LedgecastError {
  static override name = 'NoRespondersError';
  /** The request's subject (empty when rebuilt from another thread). */
  readonly subject: string;
  constructor(message: string, options?: ErrorOptions & { subject?: string }) {
    super(ERROR_CODES.noResponders, message, options);
    this.name = 'NoRespondersError';
    this.subject = options?.subject ?? '';
  }
}

/**
 * An operation given an `AbortSignal` that aborted (as the platform's `AbortError`: same `name`);
 * `cause` is the signal's `reason`.
 */
export class AbortError extends LedgecastError {
  static override name = 'AbortError';
  constructor(message = 'the operation was aborted', options?: ErrorOptions) {
    super(ERROR_CODES.aborted, message, options);
    this.name = 'AbortError';
  }
}

/** The reliable-unicast channel to a peer gave up after its retry bound. */
export class ChannelGaveUpError extends LedgecastError {
  static override name = 'ChannelGaveUpError';
  readonly peer: string;
  constructor(peer: string, message: string, options?: ErrorOptions) {
    super(ERROR_CODES.channelGaveUp, message, options);
    this.name = 'ChannelGaveUpError';
    this.peer = peer;
  }
}

/**
 * A subscription handler threw, or returned a promise that rejected, on one message. Emitted
 * on the peer's `'error'` event (never thrown); `cause` is what the handler threw.
 */
export class HandlerError extends LedgecastError {
  static override name = 'HandlerError';
  /** The subscription's pattern and id (`Subscription.id`). */
  readonly pattern: string;
  readonly subscriptionId: number;
  /** The message the handler failed on. */
  readonly subject: string;
  readonly sender: string;
  readonly seq: number;
  constructor(
    at: { pattern: string; subscriptionId: number; subject: string; sender: string; seq: number },
    options?: ErrorOptions,
  ) {
    const cause = options?.cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      ERROR_CODES.handler,
      `handler of subscription ${at.subscriptionId} (${at.pattern}) failed on ${at.subject}#${at.seq} from ${at.sender}: ${why}`,
      options,
    );
    this.name = 'HandlerError';
    this.pattern = at.pattern;
    this.subscriptionId = at.subscriptionId;
    this.subject = at.subject;
    this.sender = at.sender;
    this.seq = at.seq;
  }
}

/** Messages of a stream that can no longer be recovered. */
export class DataLossError extends LedgecastError {
  static override name = 'DataLossError';
  readonly stream: { readonly sender: string; readonly subject: string };
  readonly fromSeq: number;
  readonly toSeq: number;
  constructor(
    stream: { sender: string; subject: string },
    fromSeq: number,
    toSeq: number,
    options?: ErrorOptions,
  ) {
    super(
      ERROR_CODES.dataLoss,
      `data loss on ${stream.subject} from ${stream.sender}: seq ${fromSeq}..${toSeq}`,
      options,
    );
    this.name = 'DataLossError';
    this.stream = { sender: stream.sender, subject: stream.subject };
    this.fromSeq = fromSeq;
    this.toSeq = toSeq;
  }
}

/** An error as plain data, to cross a thread boundary. */
export interface SerializedError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** Turns any thrown value into plain data. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof DataLossError) {
    return {
      name: err.name,
      code: err.code,
      message: err.message,
      details: { stream: err.stream, fromSeq: err.fromSeq, toSeq: err.toSeq },
    };
  }
  if (err instanceof ChannelGaveUpError) {
    return { name: err.name, code: err.code, message: err.message, details: { peer: err.peer } };
  }
  if (err instanceof LedgecastError) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, code: ERROR_CODES.internal, message: err.message };
  return { name: 'Error', code: ERROR_CODES.internal, message: String(err) };
}

const SIMPLE_ERRORS: Record<string, new (message: string) => LedgecastError> = {
  EncodeError,
  DecodeError,
  InvalidSubjectError,
  InvalidOptionError,
  BackpressureError,
  PeerClosedError,
  LedgerError,
  PayloadTooLargeError,
  TimeoutError,
  NoRespondersError,
  AbortError,
};

/** Rebuilds an error class from {@link serializeError}'s output. */
export function deserializeError(data: SerializedError): Error {
  const details = data.details ?? {};
  if (data.name === 'DataLossError') {
    const stream = details.stream as { sender: string; subject: string };
    return new DataLossError(stream, Number(details.fromSeq), Number(details.toSeq));
  }
  if (data.name === 'ChannelGaveUpError') return new ChannelGaveUpError(String(details.peer), data.message);
  const Ctor = SIMPLE_ERRORS[data.name];
  if (Ctor) return new Ctor(data.message);
  // A plain LedgecastError keeps its code (ERR_DOMAIN_KEY, ...); anything else is internal.
  const known = (Object.values(ERROR_CODES) as string[]).includes(data.code);
  return new LedgecastError(known ? (data.code as ErrorCode) : ERROR_CODES.internal, data.message);
}
