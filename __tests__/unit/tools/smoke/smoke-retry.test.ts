import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidIdentityPoolConfigurationException } from "@aws-sdk/client-cognito-identity";
import { NotAuthorizedException, ResourceNotFoundException } from "@aws-sdk/client-cognito-identity-provider";
import { ApiAnswerError } from "../../../../tools/smoke/api-answer-error";
import { errorText, RETRY_WITHIN_MS, retryTransient, StillFailing } from "../../../../tools/smoke/smoke-retry";
import { transientCause, TRANSIENT_ERRORS } from "../../../../tools/smoke/transient-errors";

/**
 * The smoke test's retry policy (tools/smoke/smoke-retry.ts, transient-errors.ts), in process, on a fake clock: which
 * errors it retries, its backoff and window, what it says on each retry, and how the last error reads.
 */

/** A fake clock: `sleep` advances it and records each wait; an attempt may take time too. */
function fakeClock() {
  let time = 1_000_000;
  const waits: number[] = [];
  const lines: string[] = [];
  return {
    waits,
    lines,
    pass: (ms: number) => (time += ms),
    policy: (withinMs?: number) => ({
      ...(withinMs !== undefined && { withinMs }),
      now: () => time,
      sleep: async (ms: number) => {
        waits.push(ms);
        time += ms;
      },
      report: (line: string) => lines.push(line),
    }),
  };
}

/** An attempt that throws each of `errors` in turn, then resolves `"done"`; counts its calls. */
function attempts(...errors: Error[]) {
  const run = jest.fn(async () => {
    const error = errors.shift();
    if (error) throw error;
    return "done";
  });
  return run;
}

const noRoles = () => new InvalidIdentityPoolConfigurationException({ message: "Invalid identity pool configuration. Check assigned IAM roles for this pool.", $metadata: {} });
const signed403 = () => new ApiAnswerError(403, true, 'expected 200 Hello x!, got 403 {"message":"Forbidden"} from GET https://api/private');

describe("retryTransient", () => {
  test("a transient error is retried with backoff 1, 2 s, one line each on the report, then the attempt's result", async () => {
    const clock = fakeClock();
    const run = attempts(noRoles(), noRoles());
    await expect(retryTransient("get identity-pool credentials", run, clock.policy())).resolves.toBe("done");
    expect(run).toHaveBeenCalledTimes(3);
    expect(clock.waits).toEqual([1_000, 2_000]);
    expect(clock.lines).toEqual([
      `smoke: "get identity-pool credentials" got InvalidIdentityPoolConfigurationException, which AWS gives while the identity pool's authenticated role (its trust policy) propagates; retrying in 1 s (60 s left)`,
      `smoke: "get identity-pool credentials" got InvalidIdentityPoolConfigurationException, which AWS gives while the identity pool's authenticated role (its trust policy) propagates; retrying in 2 s (59 s left)`,
    ]);
  });

  test("any other error fails at once, as it is: a wrong password, an unsigned 403, a wrong body", async () => {
    for (const error of [
      new NotAuthorizedException({ message: "Incorrect username or password.", $metadata: {} }),
      new ApiAnswerError(403, false, "expected 200 Hello stranger!, got 403 Forbidden from GET https://api/public"),
      new ApiAnswerError(200, true, "expected 200 Hello x!, got 200 Hello y! from GET https://api/private"),
      new Error("fetch failed"),
    ]) {
      const clock = fakeClock();
      const run = attempts(error);
      await expect(retryTransient("a step", run, clock.policy())).rejects.toBe(error);
      expect(run).toHaveBeenCalledTimes(1);
      expect(clock.waits).toEqual([]);
      expect(clock.lines).toEqual([]);
    }
  });

  test("a 403 to a signed call is retried within the window, and so are 404, 500 and ResourceNotFoundException", async () => {
    const clock = fakeClock();
    const errors = [
      signed403(),
      new ApiAnswerError(404, false, "expected 200, got 404"),
      new ApiAnswerError(500, true, "expected 200, got 500"),
      new ResourceNotFoundException({ message: "User pool us-east-1_x does not exist.", $metadata: {} }),
    ];
    await expect(retryTransient("a step", attempts(...errors), clock.policy())).resolves.toBe("done");
    expect(clock.lines.map((line) => line.replace(/^.* got (.*?), which AWS gives while (.*) propagates.*$/, "$1: $2"))).toEqual([
      "HTTP 403: the authenticated role's execute-api:Invoke policy",
      "HTTP 404: the API's new stage",
      "HTTP 500: the Lambda permission that lets API Gateway invoke the function",
      "ResourceNotFoundException: the new user pool, app client or identity pool",
    ]);
  });

  test("an error that persists fails once the 60 s window is over, naming the last error; the waits double up to 8 s and never pass the window", async () => {
    const clock = fakeClock();
    const run = jest.fn(async () => {
      throw signed403();
    });
    const failure = await retryTransient("signed GET /private", run, clock.policy()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StillFailing);
    expect((failure as StillFailing).last).toBeInstanceOf(ApiAnswerError);
    expect((failure as Error).message).toBe('expected 200 Hello x!, got 403 {"message":"Forbidden"} from GET https://api/private (still, after 60 s of retries)');
    expect(clock.waits).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000, 8_000, 8_000, 5_000]);
    expect(clock.waits.reduce((a, b) => a + b)).toBe(RETRY_WITHIN_MS);
    expect(run).toHaveBeenCalledTimes(11);
    expect(clock.lines.at(-1)).toMatch(/; retrying in 5 s \(5 s left\)$/);
  });

  test("the time an attempt takes counts against the window", async () => {
    const clock = fakeClock();
    const run = jest.fn(async () => {
      clock.pass(25_000);
      throw new ApiAnswerError(500, false, "expected 200, got 500");
    });
    await expect(retryTransient("GET /public", run, clock.policy())).rejects.toBeInstanceOf(StillFailing);
    expect(clock.waits).toEqual([1_000, 2_000]);
    expect(clock.lines.map((line) => line.replace(/^.*; /, ""))).toEqual(["retrying in 1 s (35 s left)", "retrying in 2 s (9 s left)"]);
  });

  test("a window of 0 fails at the first error, as it is, without a retry line", async () => {
    const clock = fakeClock();
    const error = noRoles();
    await expect(retryTransient("a step", attempts(error), clock.policy(0))).rejects.toBe(error);
    expect(clock.lines).toEqual([]);
  });
});

describe("transient errors", () => {
  test("each is named as AWS names it, with what propagates; only the 403 is signed-only", () => {
    expect(Object.keys(TRANSIENT_ERRORS)).toEqual(["InvalidIdentityPoolConfigurationException", "ResourceNotFoundException", "HTTP 404", "HTTP 500", "HTTP 403"]);
    expect(Object.entries(TRANSIENT_ERRORS).filter(([, error]) => error.signedOnly).map(([name]) => name)).toEqual(["HTTP 403"]);
    expect(transientCause(noRoles())).toBe(TRANSIENT_ERRORS.InvalidIdentityPoolConfigurationException);
    expect(transientCause({ name: "ResourceNotFoundException" })).toBeUndefined();
    expect(transientCause(Object.assign(new Error("x"), { name: "toString" }))).toBeUndefined();
  });

  test("a failure names an AWS error by name and message, an answer of the API by what it expected and got", () => {
    expect(errorText(noRoles())).toBe("InvalidIdentityPoolConfigurationException: Invalid identity pool configuration. Check assigned IAM roles for this pool.");
    expect(errorText(signed403())).toBe('expected 200 Hello x!, got 403 {"message":"Forbidden"} from GET https://api/private');
    expect(errorText(new TypeError("fetch failed"))).toBe("fetch failed");
  });
});

test("npm run smoke --help names the window and every transient error as the policy has them", () => {
  // The command file stays thin (it may import only the command helpers), so its help text is written out: this keeps it true.
  const source = readFileSync(join(__dirname, "..", "..", "..", "..", "tools", "bin", "smoke.ts"), "utf8");
  expect(source).toContain(`for up to ${RETRY_WITHIN_MS / 1000} s`);
  expect(source).toContain(`(default ${RETRY_WITHIN_MS / 1000};`);
  for (const [name, { signedOnly }] of Object.entries(TRANSIENT_ERRORS)) expect(source).toContain(signedOnly ? `${name} of a signed call` : name);
});
