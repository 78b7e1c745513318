import { quoted } from "../../constructs/validation";
import { ApiAnswerError } from "./api-answer-error";
import { transientCause } from "./transient-errors";

/**
 * How a smoke step survives AWS's eventual consistency right after a first deploy: it retries the errors of
 * {@link transientCause} with exponential backoff (1, 2, 4, 8, 8 … s) until its window closes, says so on each retry,
 * and fails at once on any other error.
 */

/** How long a step may keep retrying transient errors, from its first attempt. */
export const RETRY_WITHIN_MS = 60_000;

/** The first wait; each next one doubles, up to {@link MAX_DELAY_MS}. */
const FIRST_DELAY_MS = 1_000;
/** Long enough that a minute holds about ten attempts, short enough to notice a propagation a few seconds after it. */
const MAX_DELAY_MS = 8_000;

/** How steps retry; tests give a fake clock. */
export interface RetryPolicy {
  /** The window of each step, in ms from its first attempt; 0 fails at the first error. @default RETRY_WITHIN_MS */
  readonly withinMs?: number;
  /** Waits `ms`. @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The clock, in ms. @default Date.now */
  readonly now?: () => number;
  /** Where each retry is told, one line without its newline. @default nowhere */
  readonly report?: (line: string) => void;
}

/** The last error of a step that kept failing with transient errors until its window closed. */
export class StillFailing extends Error {
  constructor(
    readonly last: unknown,
    readonly retriedMs: number,
  ) {
    super(`${errorText(last)} (still, after ${seconds(retriedMs)} s of retries)`);
    this.name = "StillFailing";
  }
}

/**
 * Runs `attempt` for the step `step`, again after each transient error while the window lasts. Resolves with its first
 * success; rejects with the first error that is not transient as it is, or with {@link StillFailing} holding the last
 * transient one once the window is over.
 */
export async function retryTransient<T>(step: string, attempt: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const { withinMs = RETRY_WITHIN_MS, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), now = Date.now, report = () => {} } = policy;
  const start = now();
  for (let retries = 0; ; retries++) {
    try {
      return await attempt();
    } catch (error) {
      const cause = transientCause(error);
      if (!cause) throw error;
      const left = start + withinMs - now();
      if (left <= 0) throw retries === 0 ? error : new StillFailing(error, now() - start);
      const delay = Math.min(FIRST_DELAY_MS * 2 ** retries, MAX_DELAY_MS, left);
      report(`smoke: ${quoted(step)} got ${(error as Error).name}, which AWS gives while ${cause.propagating} propagates; retrying in ${seconds(delay)} s (${seconds(left)} s left)`);
      await sleep(delay);
    }
  }
}

/**
 * An error as a failure names it: an AWS service error with its name (`ResourceNotFoundException: ...`), an answer of
 * the API or any other error by its message.
 */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof ApiAnswerError || !("$metadata" in error)) return error.message;
  return `${error.name}: ${error.message}`;
}

/** `ms` in seconds, to a tenth at most: `1`, `0.5`, `59.3`. */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
