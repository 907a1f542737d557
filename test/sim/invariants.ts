/**
 * The simulator's invariants: every message of a subscribed stream is delivered exactly once
 * and in order, or reported as data loss only when its sender no longer held it; no buffer
 * exceeds its bound; and seqs number application messages: a publisher's messages of one
 * stream take consecutive seqs whatever their size, and what an application sees of a stream
 * (deliveries and loss ranges together) is contiguous from the stream's first seq (every
 * subscription predates every stream), large messages included.
 */
import type { CheckedPeer } from './checked-peer.js';

export interface Violation {
  kind: string;
  detail: string;
}

export interface Bounds {
  windowMessages: number;
  reorderBufferMessages: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function checkInvariants(peers: readonly CheckedPeer[], bounds: Bounds): Violation[] {
  const out: Violation[] = [];
  for (const sub of peers) {
    // Group deliveries per stream.
    const deliveries = new Map<string, { seq: number; payload: Uint8Array }[]>();
    for (const d of sub.delivered) {
      const key = `${d.sender.name} ${d.subject}`;
      let list = deliveries.get(key);
      if (!list) deliveries.set(key, (list = []));
      list.push({ seq: d.seq, payload: d.payload });
    }
    for (const pub of peers) {
      if (pub === sub) continue;
      const bySubject = new Map<string, CheckedPeer['published'][number][]>();
      for (const m of pub.published) {
        if (!sub.isSubscribed(m.subject)) continue;
        let list = bySubject.get(m.subject);
        if (!list) bySubject.set(m.subject, (list = []));
        list.push(m);
      }
      for (const [subject, sent] of bySubject) {
        const key = `${pub.id.name} ${subject}`;
        for (let i = 1; i < sent.length; i++) {
          if (sent[i].seq !== sent[i - 1].seq + 1 || sent[i].lastSeq !== sent[i].seq) {
            out.push({ kind: 'publishedSeqGap', detail: `${pub.id.name} published ${key} seq ${sent[i].seq} after ${sent[i - 1].seq}` });
            break;
          }
        }
        const got = deliveries.get(key) ?? [];
        deliveries.delete(key);
        const losses = sub.losses.filter((l) => l.sender === pub.id.name && l.subject === subject);
        // A loss is legitimate only where the sender's window had evicted the data: every seq
        // of an 'unavailable' range, at least one seq of a message dropped as a whole.
        const evicted = pub.evicted.get(subject) ?? new Set<number>();
        for (const l of losses) {
          let held = 0;
          let gone = 0;
          for (let seq = l.from; seq <= l.to && seq - l.from < 100_000; seq++) {
            if (evicted.has(seq)) gone++;
            else held++;
          }
          const wholeMessageReasons = ['fragmentLost', 'tooLarge', 'bufferFull'];
          const legit = l.reason === 'unavailable' ? held === 0 : wholeMessageReasons.includes(l.reason) && gone > 0;
          if (!legit) {
            out.push({ kind: 'lossWhileHeld', detail: `${sub.id.name} reported ${key} ${l.from}..${l.to} lost (${l.reason}) at ${l.atMs} ms; ${held} of its seqs were still held` });
          }
        }
        const bySeq = new Map(sent.map((m) => [m.seq, m]));
        let last = 0;
        const seen = new Set<number>();
        for (const g of got) {
          const m = bySeq.get(g.seq);
          if (!m) {
            out.push({ kind: 'phantom', detail: `${sub.id.name} got ${key} seq ${g.seq} that was never published` });
            continue;
          }
          if (seen.has(g.seq)) out.push({ kind: 'duplicate', detail: `${sub.id.name} got ${key} seq ${g.seq} twice` });
          if (g.seq <= last) out.push({ kind: 'order', detail: `${sub.id.name} got ${key} seq ${g.seq} after ${last}` });
          if (!sameBytes(g.payload, m.payload)) out.push({ kind: 'corrupt', detail: `${sub.id.name} got ${key} seq ${g.seq} with other bytes` });
          seen.add(g.seq);
          last = Math.max(last, g.seq);
        }
        // What the application saw, deliveries and losses merged: one contiguous run of seqs.
        const events = [
          ...got.map((g) => ({ from: g.seq, to: g.seq })),
          ...losses.map((l) => ({ from: l.from, to: l.to })),
        ].sort((a, b) => a.from - b.from);
        // Every subscription exists from t = 0, before any stream began: the run starts at the
        // stream's first seq (a late-heard stream is NAKed from there), never at the first heard.
        if (events.length > 0 && sent.length > 0 && events[0].from > sent[0].seq) {
          out.push({
            kind: 'startSkip',
            detail: `${sub.id.name} saw ${key} begin at ${events[0].from}, not at its first seq ${sent[0].seq}`,
          });
        }
        for (let i = 1; i < events.length; i++) {
          if (events[i].from > events[i - 1].to + 1) {
            out.push({
              kind: 'appSeqGap',
              detail: `${sub.id.name} saw ${key} jump from ${events[i - 1].to} to ${events[i].from} with no delivery or loss between`,
            });
            break;
          }
        }
        for (const m of sent) {
          if (seen.has(m.seq)) continue;
          const covered = losses.some((l) => l.from <= m.lastSeq && l.to >= m.seq);
          if (!covered) {
            out.push({ kind: 'silentGap', detail: `${sub.id.name} neither got nor was told it lost ${key} seq ${m.seq}` });
            if (out.length > 50) return out;
          }
        }
      }
    }
    for (const key of deliveries.keys()) out.push({ kind: 'unsubscribed', detail: `${sub.id.name} got ${key} without a matching subscription` });
    if (sub.window.counters.peakMessages > bounds.windowMessages) {
      out.push({ kind: 'windowBound', detail: `${sub.id.name} window held ${sub.window.counters.peakMessages} > ${bounds.windowMessages}` });
    }
    if (sub.receiver.peakBufferedMessages > bounds.reorderBufferMessages * 8) {
      out.push({ kind: 'bufferBound', detail: `${sub.id.name} buffered ${sub.receiver.peakBufferedMessages} messages` });
    }
    // The simulator steps time forward instead of hanging when a core's deadline is still due
    // after its onTimer (a core that would spin a real actor's timer at 100 % CPU): a bug.
    if (sub.stats.timerSpins > 0) {
      out.push({ kind: 'timerSpin', detail: `${sub.id.name}: a core's deadline was still due after onTimer ${sub.stats.timerSpins} time(s)` });
    }
    for (const [reason, n] of sub.decodeErrors) out.push({ kind: 'decode', detail: `${sub.id.name} failed to decode ${n} frames: ${reason}` });
  }
  return out;
}
