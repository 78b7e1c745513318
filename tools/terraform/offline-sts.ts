import { randomUUID } from "node:crypto";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";

/**
 * The one AWS call an offline plan answers: STS GetCallerIdentity, which `data.aws_caller_identity` makes while the
 * plan reads its data sources (a stage with CI roles builds its permissions boundary's ARN from the account; the CI
 * roles' stack its policies). Every other endpoint stays a dead loopback port, so the plan still touches no AWS
 * account; this one names a fake account, as the plan's fake credentials would.
 */

/** The account an offline plan runs as. */
export const OFFLINE_ACCOUNT = "123456789012";

/** A running stand-in for STS on loopback. */
export interface OfflineSts {
  /** `http://127.0.0.1:<port>`: for `AWS_ENDPOINT_URL_STS`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts the stand-in: GetCallerIdentity in STS's JSON or Query protocol, whichever the caller speaks. */
export async function startOfflineSts(): Promise<OfflineSts> {
  const identity = { Account: OFFLINE_ACCOUNT, Arn: `arn:aws:iam::${OFFLINE_ACCOUNT}:user/offline-plan`, UserId: "AIDAOFFLINEPLAN" };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (String(req.headers["content-type"]).startsWith("application/x-amz-json")) {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end(JSON.stringify(identity));
        return;
      }
      const result = Object.entries(identity).map(([key, value]) => `<${key}>${value}</${key}>`).join("");
      res
        .writeHead(200, { "content-type": "text/xml" })
        .end(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>${result}</GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
