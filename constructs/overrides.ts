import { ValidationError } from "./validation";

/**
 * Why a construct does not let its escape hatch (`cdk.*`) set one key of an underlying resource's settings.
 *
 * - A string names the prop(s) the construct derives the value from, and which the user should set instead.
 * - `{ fixed, instead }` is a value the construct always sets, with what to do instead.
 */
export type Refusal = string | { readonly fixed: string; readonly instead: string };

/** The keys of a resource's settings `T` that an escape hatch may not set, each with its {@link Refusal}. */
export type Refusals<T> = { readonly [K in keyof T]?: Refusal };

/**
 * Throws a one-line {@link ValidationError} when `overrides` (the escape hatch at `path`, e.g. `cdk.function`) holds a
 * key of `refused`: a value the construct validated or derived from its props, which spreading the escape hatch over
 * the construct's settings would silently undo. Every other key passes through.
 *
 * A key counts as set when it is present, even with the value `undefined`: spreading it would still erase ours.
 */
export function refuseOverrides<T extends object>(path: string, overrides: Partial<T> | undefined, refused: Refusals<T>): void {
  if (overrides === undefined) return;
  for (const key of Object.keys(overrides) as Array<keyof T & string>) {
    const refusal = refused[key];
    if (refusal === undefined) continue;
    const why =
      typeof refusal === "string"
        ? `the construct derives it from ${refusal}; set ${refusal} instead`
        : `the construct fixes it to ${refusal.fixed}; ${refusal.instead}`;
    throw new ValidationError(`cannot set ${path}.${key}: ${why}`);
  }
}
