import { randomUUID } from "node:crypto";
import { AwsResponse } from "../../protocol/aws-json";
import { xml } from "../../protocol/aws-refusals";

/**
 * STS `GetCallerIdentity` for callers with role credentials the local cloud minted: moto does not know those keys and
 * would name its own default user, where AWS names the assumed role.
 */

/** A caller acting as a role. */
export interface RoleCaller {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly accountId: string;
}

/** Whether a Query-protocol request (form body or query string) is `Action=GetCallerIdentity`. */
export function isGetCallerIdentity(url: string, body: Buffer | undefined): boolean {
  const form = `${url.split("?")[1] ?? ""}&${body?.toString("utf8") ?? ""}`;
  return new URLSearchParams(form).get("Action") === "GetCallerIdentity";
}

/**
 * The answer AWS gives a role session: `Arn` is `arn:aws:sts::<account>:assumed-role/<role>/<session>`, `UserId`
 * `<role>:<session>` (AWS puts the role's unique id, `AROA…`, first; the local cloud has the name at hand).
 */
export function callerIdentityResponse(caller: RoleCaller): AwsResponse {
  const roleName = caller.roleArn.split("/").pop()!;
  const partition = caller.roleArn.split(":")[1];
  const requestId = randomUUID();
  const body =
    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
    `<Arn>${xml(`arn:${partition}:sts::${caller.accountId}:assumed-role/${roleName}/${caller.sessionName}`)}</Arn>` +
    `<UserId>${xml(`${roleName}:${caller.sessionName}`)}</UserId><Account>${caller.accountId}</Account>` +
    `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  return { status: 200, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId }, body: Buffer.from(body) };
}
