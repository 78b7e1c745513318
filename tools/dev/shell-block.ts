import { OUTPUT_NAMES, SETTING_SOURCES } from "../../app/contract";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud";

/**
 * The block `npm run dev` and `npm run local:up` print for the user to paste into a POSIX shell: the AWS CLI and
 * SDKs then reach the local cloud (`AWS_ENDPOINT_URL`, no `--endpoint-url` needed) with the local key pair, and
 * the stack's outputs are in the variables docs/try-it.md uses, so its commands work as written.
 */

/** The shell variable of each stack output, as docs/try-it.md names it. */
export const TRY_IT_VARIABLES: { readonly [K in keyof typeof OUTPUT_NAMES]: string } = {
  region: "REGION",
  apiEndpoint: "API",
  apiId: "API_ID",
  userPoolId: "USER_POOL_ID",
  userPoolClientId: "CLIENT_ID",
  identityPoolId: "IDENTITY_POOL_ID",
};

/** Where the local environment listens. */
export interface ShellEndpoints {
  /** The local cloud: `AWS_ENDPOINT_URL`. */
  readonly cloud: string;
  /** The local API, which `API` points at in place of the deployed ApiEndpoint. @default the deployed ApiEndpoint */
  readonly api?: string;
}

/** A deployed stage: its outputs by name, and the names of the outputs (the manifest's `outputs`). */
export interface ShellStage {
  readonly outputNames: { readonly [K in keyof typeof OUTPUT_NAMES]: string };
  readonly outputs: Readonly<Record<string, string>>;
}

/** The lines to paste: the AWS variables, the local target's endpoint, then, given a stage, one variable per output the stage has. */
export function shellBlock(endpoints: ShellEndpoints, stage?: ShellStage): string {
  const aws = {
    AWS_ENDPOINT_URL: endpoints.cloud,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
  // A session token left from a real AWS login would be sent with the local key pair, and refused.
  // The endpoint `API_AUTH_COGNITO_TARGET=local npx cdktf ...` synthesizes for, should the port not be the default.
  const target = { [SETTING_SOURCES.localEndpoint.env]: endpoints.cloud };
  const lines = [`export ${assignments(aws)}`, "unset AWS_SESSION_TOKEN", `export ${assignments(target)}`];
  if (stage) {
    for (const [key, variable] of Object.entries(TRY_IT_VARIABLES) as Array<[keyof typeof OUTPUT_NAMES, string]>) {
      const value = key === "apiEndpoint" && endpoints.api ? endpoints.api : stage.outputs[stage.outputNames[key]];
      if (value !== undefined) lines.push(`${variable}=${shellQuote(value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** `NAME=value NAME=value`, quoted for the shell. */
function assignments(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${shellQuote(value)}`)
    .join(" ");
}

/** `value` as one shell word: as it is when it holds only safe characters, else in single quotes. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
