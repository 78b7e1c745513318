import { request as httpRequest } from "node:http";
import { text } from "node:stream/consumers";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient, UpdateFunctionCodeCommand } from "@aws-sdk/client-lambda";
import { SignatureV4 } from "@smithy/signature-v4";
import { zipSync } from "fflate";
import { connectRemoteCloud, LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, RemoteCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { Sha256 } from "../../../../tools/shared/sha256";
import { MESSAGES, verifySignedRequest } from "../../../../tools/local-cloud/auth/sigv4";
import { describeWhen, missing } from "../../../support/requires";

const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
const zipOf = (source: string) => Buffer.from(zipSync({ "index.js": Buffer.from(source) }));

/**
 * The local cloud's control API and its client: a local API in another process sees the front's stores (identity
 * credentials, role sessions, function code) through it, and only callers signing with the local key pair may ask.
 */
describeWhen(missing("moto"))("remote cloud: the front's stores over the control API", () => {
  let cloud: LocalCloud;
  let remote: RemoteCloud;
  let lambda: LambdaClient;
  let role: string;

  /** A GET of the control API, signed with `credentials` (unsigned when `undefined`): status and body. */
  async function controlGet(path: string, credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<{ status: number; body: string }> {
    const { hostname, port, host } = new URL(cloud.endpoint);
    let headers: Record<string, string> = { host };
    if (credentials) {
      const signer = new SignatureV4({ service: "local-cloud", region: LOCAL_REGION, credentials, sha256: Sha256 });
      headers = (await signer.sign({ method: "GET", protocol: "http:", hostname, port: Number(port), path, query: {}, headers })).headers as Record<string, string>;
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest({ hostname, port, path, headers, agent: false }, (res) => {
        text(res).then((body) => resolve({ status: res.statusCode ?? 0, body }), reject);
      });
      req.on("error", reject);
      req.end();
    });
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    remote = await connectRemoteCloud(cloud.endpoint);
    lambda = new LambdaClient({ ...CONFIG, endpoint: cloud.endpoint });
    const iam = new IAMClient({ ...CONFIG, endpoint: cloud.endpoint });
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
    role = (await iam.send(new CreateRoleCommand({ RoleName: "remote-test", AssumeRolePolicyDocument: trust }))).Role!.Arn!;
    iam.destroy();
  }, 60_000);

  afterAll(async () => {
    lambda?.destroy();
    await remote?.stop();
    await cloud?.stop();
  }, 30_000);

  test("names the cloud instance it is connected to", () => {
    expect(remote.endpoint).toBe(cloud.endpoint);
    expect(remote.instanceId).toBe(cloud.instanceId);
  });

  test("refuses unsigned callers and role credentials; the local key pair is served", async () => {
    const unsigned = await controlGet("/_local-cloud/instance");
    expect(unsigned.status).toBe(403);
    expect(unsigned.body).not.toContain(cloud.instanceId);

    const session = cloud.roleSessions.issue(role, "remote-test");
    const asRole = await controlGet("/_local-cloud/instance", session);
    expect(asRole.status).toBe(403);
    expect(asRole.body).toContain("control API");
    expect(asRole.body).not.toContain(cloud.instanceId);

    const asLocal = await controlGet("/_local-cloud/instance", LOCAL_CREDENTIALS);
    expect(asLocal.status).toBe(200);
    expect(JSON.parse(asLocal.body)).toMatchObject({ instanceId: cloud.instanceId });
  });

  test("role sessions issued through the client are the cloud's own; unknown keys have no credentials", async () => {
    const issued = await remote.roleSessions.issue(role, "my-function");
    expect(issued.expiration).toBeInstanceOf(Date);
    expect(cloud.roleSessions.session(issued.accessKeyId)).toMatchObject({ roleArn: role, sessionName: "my-function", secretAccessKey: issued.secretAccessKey });
    await expect(remote.roleSessions.issue("not-an-arn", "my-function")).rejects.toThrow(/invalid role ARN "not-an-arn"/);
    expect(await remote.identities.credentials("ASIANOSUCHKEY0000000")).toBeUndefined();
  });

  test("any key id a caller may send is simply not found: lower case, spaces, slashes, malformed escapes", async () => {
    for (const key of ["asiaabcdefghijklmnop", "a b", "x/y", "%zz", "ASIA\u001b[2J", "é"]) {
      expect(await remote.identities.credentials(key)).toBeUndefined();
    }
  });

  test("the local API's IAM check refuses a lower-case key id with API Gateway's 403, not a 500", async () => {
    const { host } = new URL(cloud.endpoint);
    const signer = new SignatureV4({ service: "execute-api", region: LOCAL_REGION, credentials: { accessKeyId: "asiaabcdefghijklmnop", secretAccessKey: "x", sessionToken: "t" }, sha256: Sha256 });
    const signed = await signer.sign({ method: "GET", protocol: "http:", hostname: "127.0.0.1", path: "/private", headers: { host } });
    const verdict = await verifySignedRequest({ method: "GET", url: "/private", headers: signed.headers, body: Buffer.alloc(0) }, (key) => remote.identities.credentials(key), { region: LOCAL_REGION });
    expect(verdict).toEqual({ ok: false, fault: "unknownKey", message: MESSAGES.invalidToken });
  });

  test("a control path that names no operation is answered 404 by the front, however spelled, and never reaches moto", async () => {
    for (const path of ["/_local-cloud/nope", "/_local-cloud/credentials/", "/_local-cloud/functions/%zz"]) {
      const { status, body } = await controlGet(path, LOCAL_CREDENTIALS);
      expect({ path, status, type: JSON.parse(body).__type }).toEqual({ path, status: 404, type: "ResourceNotFoundException" });
    }
    // Spelled another way, it is still the control API: closed to everyone but the local key pair.
    expect((await controlGet("/%5Flocal-cloud/instance")).status).toBe(403);
  });

  test("function code comes over as stored, and a changed function is read anew", async () => {
    expect(await remote.lambdaCode.code("remote-fn")).toBeUndefined();
    await lambda.send(new CreateFunctionCommand({ FunctionName: "remote-fn", Runtime: "nodejs22.x", Role: role, Handler: "index.handler", Code: { ZipFile: zipOf("exports.handler = async () => 1;") } }));
    const first = await remote.lambdaCode.code("remote-fn");
    expect(first).toMatchObject({ functionName: "remote-fn", handler: "index.handler", version: 1, role });
    expect(first!.zip.equals(cloud.lambdaCode.code("remote-fn")!.zip)).toBe(true);

    const changed = zipOf("exports.handler = async () => 2;");
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "remote-fn", ZipFile: changed }));
    // The change feed drops the cached code; the next lookups read version 2.
    for (const started = Date.now(); (await remote.lambdaCode.code("remote-fn"))!.version !== 2; ) {
      if (Date.now() - started > 5_000) throw new Error("the client still serves version 1 five seconds after UpdateFunctionCode");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await remote.lambdaCode.code("remote-fn"))!.zip.equals(changed)).toBe(true);
  });

  test("stopping the client leaves the cloud running", async () => {
    const other = await connectRemoteCloud(cloud.endpoint);
    await other.stop();
    expect((await controlGet("/_local-cloud/instance", LOCAL_CREDENTIALS)).status).toBe(200);
  });

  test("connecting where no local cloud answers fails saying what to run", async () => {
    await expect(connectRemoteCloud("http://127.0.0.1:9")).rejects.toThrow(/no local cloud answers at http:\/\/127\.0\.0\.1:9 .*npm run local:up/);
  });
});
