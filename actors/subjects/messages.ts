/** The subject manager's inbox (`subjects`: local subscriptions). The receiver list's: `actors/membership/messages.ts`. */

export type SubjectsChange =
  /**
   * The application subscribed (`id` is unique per subscription of this peer), at `atMs` on the
   * runtime's clock (absent: when the subjects actor applies it). A stream whose first message
   * came after `atMs` is received from that first message: the time is the application's call,
   * not the moment the receiver learns of it a hop or a busy turn later.
   */
  | { readonly kind: 'subscribed'; readonly id: number; readonly pattern: string; readonly atMs?: number }
  /** The application unsubscribed. */
  | { readonly kind: 'unsubscribed'; readonly id: number };

export type SubjectsInbox =
  | SubjectsChange
  /** Several changes in order (the Peer sends those of one microtask together). */
  | { readonly kind: 'changes'; readonly changes: readonly SubjectsChange[] };
