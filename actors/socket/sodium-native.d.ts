/**
 * The few functions of sodium-native (libsodium bindings) that `domain-seal.ts` uses; the package
 * ships no type declarations of its own.
 */
declare module 'sodium-native' {
  const sodium: {
    readonly crypto_onetimeauth_STATEBYTES: number;
    /** Writes `c.byteLength` bytes of ChaCha20 (IETF: 96-bit nonce) keystream of `k` and `n` into `c`. */
    crypto_stream_chacha20_ietf(c: Uint8Array, n: Uint8Array, k: Uint8Array): void;
    crypto_onetimeauth_init(state: Uint8Array, k: Uint8Array): void;
    crypto_onetimeauth_update(state: Uint8Array, input: Uint8Array): void;
    crypto_onetimeauth_final(state: Uint8Array, out: Uint8Array): void;
    /** Constant-time comparison of two buffers of the same length. */
    sodium_memcmp(a: Uint8Array, b: Uint8Array): boolean;
  };
  export default sodium;
}
