/** The subject manager's inbox (`subjects`: local subscriptions). The receiver list's: `actors/membership/messages.ts`. */

export type SubjectsChange =
  /** The application subscribed (`id` is unique per subscription of this peer). */
  | { readonly kind: 'subscribed'; readonly id: number; readonly pattern: string }
  /** The application unsubscribed. */
  | { readonly kind: 'unsubscribed'; readonly id: number };

export type SubjectsInbox =
  | SubjectsChange
  /** Several changes in order (the Peer sends those of one microtask together). */
  | { readonly kind: 'changes'; readonly changes: readonly SubjectsChange[] };
