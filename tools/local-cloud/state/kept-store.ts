/**
 * A store of the front whose contents are part of the local cloud's state: what it holds is written with each save of
 * the state (as plain data: objects, arrays, strings, numbers, `Date`s and `Buffer`s) and put back when the cloud
 * starts from that state.
 */
export interface KeptStore<Saved = unknown> {
  /** What the store holds, as plain data. */
  save(): Saved;
  /** Replaces what the store holds with what {@link save} returned (in this process or an earlier one). */
  restore(saved: Saved): void;
}
