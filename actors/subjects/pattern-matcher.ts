/**
 * Which values (subscriptions, peers) want a subject: a token trie of patterns plus a bounded cache.
 *
 * Semantics:
 * - The matcher holds a set of (pattern, value) pairs. Adding a pair that is already there does
 *   nothing; values are compared as `Map` keys compare them (SameValueZero, i.e. by reference for
 *   objects).
 * - `match(subject)` returns every value with at least one pattern matching `subject`, each value
 *   ONCE even when several of its patterns match (`a.*` and `a.>` both holding `v` give `[v]` for
 *   `a.b`). The order is deterministic: it depends only on the sequence of add/remove calls.
 * - `*` matches exactly one token; `>` matches one or more trailing tokens, so `a.>` matches `a.b`
 *   and `a.b.c` but not `a`.
 *
 * Cost: a match walks the trie along the subject's tokens, visiting each trie node at most once
 * (a literal child and the `*` child per level), so it is bounded by the number of patterns' prefixes
 * and by the subject's 32 tokens, however many patterns there are. Results are cached per subject
 * in a two-generation cache (an approximation of LRU with O(1) hits) bounded by `cacheSize`
 * entries; any change of the pattern set empties the cache.
 *
 * Bounds: the trie holds at most 32 nodes per pattern added; the cache at most `cacheSize` entries.
 * The caller bounds the number of pairs (the receiver list caps peers and patterns per peer).
 */
import type { PatternMatcherOptions } from './options.js';
import { resolvePatternMatcherOptions } from './options.js';
import { isValidPattern, MAX_SUBJECT_BYTES, validatePattern } from './subject.js';

interface TrieNode<T> {
  /** Children by literal token. */
  readonly literal: Map<string, TrieNode<T>>;
  /** Child for the `*` token. */
  star: TrieNode<T> | undefined;
  /** Values whose pattern ends at this node. */
  exact: Set<T> | undefined;
  /** Values whose pattern is this node's path followed by `>`. */
  tail: Set<T> | undefined;
}

/** Counters of a {@link PatternMatcher}. */
export interface PatternMatcherCounters {
  /** `match` calls answered from the cache. */
  cacheHits: number;
  /** `match` calls that walked the trie. */
  cacheMisses: number;
  /** Times the cache was emptied because the pattern set changed. */
  cacheInvalidations: number;
}

const EMPTY: readonly never[] = Object.freeze([]);

function newNode<T>(): TrieNode<T> {
  return { literal: new Map(), star: undefined, exact: undefined, tail: undefined };
}

function isEmptyNode<T>(n: TrieNode<T>): boolean {
  return n.literal.size === 0 && n.star === undefined && (n.exact?.size ?? 0) === 0 && (n.tail?.size ?? 0) === 0;
}

/** Matches subjects against a set of (pattern, value) pairs. See the file overview for the semantics. */
export class PatternMatcher<T> {
  readonly counters: PatternMatcherCounters = { cacheHits: 0, cacheMisses: 0, cacheInvalidations: 0 };
  private readonly root: TrieNode<T> = newNode();
  private readonly cache: GenerationalCache<readonly T[]>;
  private pairs = 0;

  constructor(options?: PatternMatcherOptions) {
    this.cache = new GenerationalCache(resolvePatternMatcherOptions(options).cacheSize);
  }

  /** Number of (pattern, value) pairs held. */
  get size(): number {
    return this.pairs;
  }

  /** Number of subjects whose result is cached (at most the `cacheSize` option). */
  get cachedSubjects(): number {
    return this.cache.size;
  }

  /**
   * Adds the pair; returns false when it was already there.
   * @throws InvalidSubjectError when `pattern` is not a valid pattern.
   */
  add(pattern: string, value: T): boolean {
    validatePattern(pattern);
    const tokens = pattern.split('.');
    let node = this.root;
    const last = tokens.length - 1;
    for (let i = 0; i < last; i++) node = child(node, tokens[i]);
    let set: Set<T>;
    if (tokens[last] === '>') set = node.tail ??= new Set();
    else {
      node = child(node, tokens[last]);
      set = node.exact ??= new Set();
    }
    if (set.has(value)) return false;
    set.add(value);
    this.pairs++;
    this.invalidate();
    return true;
  }

  /** Removes the pair; returns false when it was not there (an invalid pattern never is). */
  remove(pattern: string, value: T): boolean {
    if (!isValidPattern(pattern)) return false;
    const tokens = pattern.split('.');
    const tailEnd = tokens[tokens.length - 1] === '>';
    const depth = tailEnd ? tokens.length - 1 : tokens.length;
    const path: TrieNode<T>[] = [this.root];
    let node = this.root;
    for (let i = 0; i < depth; i++) {
      const next = tokens[i] === '*' ? node.star : node.literal.get(tokens[i]);
      if (next === undefined) return false;
      path.push(next);
      node = next;
    }
    const set = tailEnd ? node.tail : node.exact;
    if (set === undefined || !set.delete(value)) return false;
    if (set.size === 0) {
      if (tailEnd) node.tail = undefined;
      else node.exact = undefined;
    }
    // Prune the nodes this removal left empty, deepest first, so the trie only holds live prefixes.
    for (let i = depth; i > 0 && isEmptyNode(path[i]); i--) {
      const parent = path[i - 1];
      if (tokens[i - 1] === '*') parent.star = undefined;
      else parent.literal.delete(tokens[i - 1]);
    }
    this.pairs--;
    this.invalidate();
    return true;
  }

  /** Removes every pair. */
  clear(): void {
    if (this.pairs === 0) return;
    this.root.literal.clear();
    this.root.star = this.root.exact = this.root.tail = undefined;
    this.pairs = 0;
    this.invalidate();
  }

  /**
   * The values with a pattern matching `subject`, each once (frozen; do not mutate). `subject` should
   * be a valid subject: for other strings the result is unspecified, but the call never throws and
   * stays bounded (a string longer than the subject limit matches nothing).
   */
  match(subject: string): readonly T[] {
    if (subject.length > MAX_SUBJECT_BYTES || this.pairs === 0) return EMPTY;
    const cached = this.cache.get(subject);
    if (cached !== undefined) {
      this.counters.cacheHits++;
      return cached;
    }
    this.counters.cacheMisses++;
    const found = new Set<T>();
    collect(this.root, subject.split('.'), 0, found);
    const result: readonly T[] = found.size === 0 ? EMPTY : Object.freeze(Array.from(found));
    this.cache.set(subject, result);
    return result;
  }

  /** Whether any pattern matches `subject`. */
  matches(subject: string): boolean {
    return this.match(subject).length > 0;
  }

  private invalidate(): void {
    if (this.cache.size > 0) {
      this.cache.clear();
      this.counters.cacheInvalidations++;
    }
  }
}

function child<T>(node: TrieNode<T>, token: string): TrieNode<T> {
  if (token === '*') return (node.star ??= newNode());
  let next = node.literal.get(token);
  if (next === undefined) {
    next = newNode();
    node.literal.set(token, next);
  }
  return next;
}

/** Adds to `out` the values of every pattern under `node` matching `tokens[i..]`. */
function collect<T>(node: TrieNode<T>, tokens: readonly string[], i: number, out: Set<T>): void {
  if (i === tokens.length) {
    if (node.exact !== undefined) for (const v of node.exact) out.add(v);
    return;
  }
  // At least one token remains here, which is what `>` needs.
  if (node.tail !== undefined) for (const v of node.tail) out.add(v);
  const next = node.literal.get(tokens[i]);
  if (next !== undefined) collect(next, tokens, i + 1, out);
  if (node.star !== undefined) collect(node.star, tokens, i + 1, out);
}

/**
 * A bounded map with O(1) hits that keeps recently used keys: new keys go to the young generation;
 * when it is full, it becomes the old one (the previous old one is dropped). A hit in the old
 * generation moves the key back to the young one. At most `capacity` entries in total.
 */
class GenerationalCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly youngMax: number;

  constructor(private readonly capacity: number) {
    this.youngMax = Math.ceil(capacity / 2);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) {
      this.old.delete(key);
      this.set(key, o);
    }
    return o;
  }

  set(key: string, value: V): void {
    if (this.capacity === 0) return;
    if (this.young.size >= this.youngMax) {
      this.old = this.young;
      this.young = new Map();
    }
    if (this.young.size + this.old.size >= this.capacity) {
      const oldest = this.old.keys().next();
      if (oldest.done !== true) this.old.delete(oldest.value);
    }
    this.young.set(key, value);
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
