import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as cognitoIdentity from "@aws-sdk/client-cognito-identity";
import * as cognitoIdentityProvider from "@aws-sdk/client-cognito-identity-provider";
import { ApiGatewayV2Client, CreateApiCommand, CreateStageCommand, GetStageCommand, UpdateStageCommand } from "@aws-sdk/client-apigatewayv2";
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DeleteIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetIdentityPoolRolesCommand,
  SetIdentityPoolRolesCommand,
} from "@aws-sdk/client-cognito-identity";
import { CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import { AwsJsonRequest, AwsResponse, Handler, HandlerContext, jsonResponse } from "../../../../tools/local-cloud/protocol/aws-json";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { startFront } from "../../../../tools/local-cloud/gateway/server";
import { MotoClient } from "../../../../tools/local-cloud/moto/client";
import { identityPoolRoleHandlers, IdentityPoolRoleStore } from "../../../../tools/local-cloud/services/cognito-identity";
import { warmUpMoto } from "../../../../tools/local-cloud/moto/warm-up";
import { Sha256 } from "../../../../tools/shared/sha256";
import { describeWhen, missing } from "../../../support/requires";
import { rejection } from "../../../support/rejection";

const run = promisify(execFile);
const REGION = LOCAL_REGION;
const CREDENTIALS = LOCAL_CREDENTIALS;
const TARGET = "AWSCognitoIdentityService";
/** Well-formed, but no pool has it. */
const UNKNOWN_POOL = `${REGION}:00000000-0000-0000-0000-000000000000`;

/** Posts an AWS JSON 1.1 request by hand, for bodies the SDKs would never send, signed with the local key pair. */
async function postJson(endpoint: string, target: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({ service: "cognito-identity", region: REGION, credentials: CREDENTIALS, sha256: Sha256 });
  const signed = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: "/",
    headers: { host: url.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
    body,
  });
  const response = await fetch(endpoint, { method: "POST", headers: signed.headers, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** The operations of an AWS SDK v3 client package, from its command classes. */
function operationsOf(sdk: Record<string, unknown>): string[] {
  return Object.keys(sdk).filter((name) => /^[A-Z]\w+Command$/.test(name) && name !== "Command" && name !== "$Command").map((name) => name.replace(/Command$/, ""));
}

/**
 * `count` unsigned AWS JSON calls at once, each on a connection of its own, from another process (as many clients
 * would be): alternately `first` and `second` as [target, body]; the count of each answer's `<status> <__type>`.
 */
async function callsAtOnce(endpoint: string, count: number, first: [string, string], second: [string, string]): Promise<Record<string, number>> {
  const script = `
    const http = require("node:http");
    const [endpoint, count, first, second] = [process.argv[1], Number(process.argv[2]), JSON.parse(process.argv[3]), JSON.parse(process.argv[4])];
    const { hostname, port } = new URL(endpoint);
    const call = ([target, body]) => new Promise((resolve) => {
      const headers = { "x-amz-target": target, "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(body) };
      const req = http.request({ hostname, port, method: "POST", path: "/", agent: false, headers }, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => { try { resolve(res.statusCode + " " + JSON.parse(text).__type); } catch { resolve(res.statusCode + " not JSON"); } });
      });
      req.on("error", (error) => resolve("error " + error.code));
      req.end(body);
    });
    Promise.all(Array.from({ length: count }, (_, i) => call(i % 2 ? second : first))).then((answers) => {
      const counts = {};
      for (const answer of answers) counts[answer] = (counts[answer] ?? 0) + 1;
      process.stdout.write(JSON.stringify(counts));
    });`;
  const { stdout } = await run(process.execPath, ["-e", script, endpoint, String(count), JSON.stringify(first), JSON.stringify(second)], { timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, number>;
}

/** A client of a moto that is not there: its socket's directory does not exist. */
function noMoto(): MotoClient {
  return new MotoClient(join(tmpdir(), `no-moto-${randomBytes(4).toString("hex")}`, "moto.sock"));
}

/** Whether a moto server process listens on this socket (ours have it on their command line). */
function motoRunsOn(socketPath: string): boolean {
  return spawnSync("pgrep", ["-f", `moto/server.py -H unix://${socketPath}$`]).status === 0;
}

describeWhen(missing("moto"))("local cloud: moto behind a front that answers what moto lacks", () => {
  let cloud: LocalCloud;
  let identity: CognitoIdentityClient;
  let idp: CognitoIdentityProviderClient;
  let iam: IAMClient;
  let s3: S3Client;
  let providerName: string;
  let authenticatedRole: string;
  let unauthenticatedRole: string;

  /** A fresh identity pool, created through the front, trusting the user pool client. */
  async function newPool(): Promise<string> {
    const pool = await identity.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: `front_test_${randomBytes(4).toString("hex")}`,
        AllowUnauthenticatedIdentities: true,
        CognitoIdentityProviders: [{ ProviderName: providerName, ClientId: "unused" }],
      }),
    );
    return pool.IdentityPoolId!;
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    // Every client talks to the front only; maxAttempts 1 so that a broken behaviour fails fast instead of retrying.
    const config = { endpoint: cloud.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
    identity = new CognitoIdentityClient(config);
    idp = new CognitoIdentityProviderClient(config);
    iam = new IAMClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });

    const { UserPool } = await idp.send(new CreateUserPoolCommand({ PoolName: "front-test-users" }));
    const { UserPoolClient } = await idp.send(new CreateUserPoolClientCommand({ UserPoolId: UserPool!.Id!, ClientName: "front-test-client" }));
    expect(UserPoolClient?.ClientId).toBeTruthy();
    providerName = `cognito-idp.${REGION}.amazonaws.com/${UserPool!.Id}`;
    const role = async (name: string) =>
      (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) })))
        .Role!.Arn!;
    [authenticatedRole, unauthenticatedRole] = await Promise.all([role("front-test-authenticated"), role("front-test-unauthenticated")]);
  }, 30_000);

  afterAll(async () => {
    for (const client of [identity, idp, iam, s3]) client?.destroy();
    await cloud?.stop();
  }, 15_000);

  test("the warm-up's reads are ones moto answers: each service it warms answers 200", async () => {
    const answers = await warmUpMoto(cloud.motoClient);
    expect(Object.keys(answers).sort()).toEqual(["apigateway", "cognito-identity", "cognito-idp", "iam", "lambda", "logs", "sts"]);
    expect(Object.values(answers)).toEqual(Object.values(answers).map(() => 200));
  });

  test("forwards what moto serves: the user pool, client, role and identity pool were created through the front", async () => {
    const id = await newPool();
    const described = await identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: id }));
    expect(described.CognitoIdentityProviders?.[0]?.ProviderName).toBe(providerName);
    expect(authenticatedRole).toMatch(/^arn:aws:iam::\d{12}:role\/front-test-authenticated$/);
  });

  test("SetIdentityPoolRoles, then GetIdentityPoolRoles returns those roles and role mappings", async () => {
    const id = await newPool();
    const Roles = { authenticated: authenticatedRole, unauthenticated: unauthenticatedRole };
    const RoleMappings = { [`${providerName}:client`]: { Type: "Token" as const, AmbiguousRoleResolution: "AuthenticatedRole" as const } };
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles, RoleMappings }));

    const got = await identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: id }));
    expect({ IdentityPoolId: got.IdentityPoolId, Roles: got.Roles, RoleMappings: got.RoleMappings }).toEqual({ IdentityPoolId: id, Roles, RoleMappings });
  });

  test("SetIdentityPoolRoles with empty Roles and RoleMappings (Terraform's delete of a roles attachment) clears them", async () => {
    const id = await newPool();
    const RoleMappings = { [`${providerName}:client`]: { Type: "Token" as const, AmbiguousRoleResolution: "Deny" as const } };
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: { authenticated: authenticatedRole }, RoleMappings }));
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: {}, RoleMappings: {} }));

    const got = await identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: id }));
    expect(got.Roles).toEqual({});
    expect(got.RoleMappings ?? {}).toEqual({});
  });

  test("GetIdentityPoolRoles of an unknown pool throws ResourceNotFoundException", async () => {
    const error = await rejection(identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: UNKNOWN_POOL })));
    expect(error.name).toBe("ResourceNotFoundException");
    expect(error.message).toContain(UNKNOWN_POOL);
  });

  test("SetIdentityPoolRoles of an unknown pool throws ResourceNotFoundException", async () => {
    const error = await rejection(identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: UNKNOWN_POOL, Roles: { authenticated: authenticatedRole } })));
    expect(error.name).toBe("ResourceNotFoundException");
  });

  test("after DeleteIdentityPool (forwarded to moto), GetIdentityPoolRoles throws ResourceNotFoundException", async () => {
    const id = await newPool();
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: { authenticated: authenticatedRole } }));
    await identity.send(new DeleteIdentityPoolCommand({ IdentityPoolId: id }));

    expect((await rejection(identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: id })))).name).toBe("ResourceNotFoundException");
    expect((await rejection(identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: id })))).name).toBe("ResourceNotFoundException");
  });

  test.each([
    { case: "malformed JSON", operation: "SetIdentityPoolRoles", body: "{not json", type: "SerializationException", message: /not valid JSON/ },
    { case: "a body that is not an object", operation: "GetIdentityPoolRoles", body: "[]", type: "SerializationException", message: /must be a JSON object/ },
    { case: "no IdentityPoolId", operation: "GetIdentityPoolRoles", body: "{}", type: "InvalidParameterException", message: /IdentityPoolId is required/ },
    { case: "a malformed IdentityPoolId", operation: "GetIdentityPoolRoles", body: '{"IdentityPoolId":"nope"}', type: "InvalidParameterException", message: /REGION:GUID/ },
    { case: "no Roles", operation: "SetIdentityPoolRoles", body: JSON.stringify({ IdentityPoolId: UNKNOWN_POOL }), type: "InvalidParameterException", message: /Roles is required/ },
    {
      case: "a Roles key other than authenticated/unauthenticated",
      operation: "SetIdentityPoolRoles",
      body: JSON.stringify({ IdentityPoolId: UNKNOWN_POOL, Roles: { admin: "arn:aws:iam::123456789012:role/r" } }),
      type: "InvalidParameterException",
      message: /key "admin"/,
    },
    {
      case: "a Roles value that is not a string",
      operation: "SetIdentityPoolRoles",
      body: JSON.stringify({ IdentityPoolId: UNKNOWN_POOL, Roles: { authenticated: 1 } }),
      type: "InvalidParameterException",
      message: /Roles\.authenticated must be a role ARN/,
    },
    {
      case: "a RoleMappings Type other than Token/Rules",
      operation: "SetIdentityPoolRoles",
      body: JSON.stringify({ IdentityPoolId: UNKNOWN_POOL, Roles: {}, RoleMappings: { p: { Type: "Magic" } } }),
      type: "InvalidParameterException",
      message: /Token or Rules/,
    },
  ])("$operation with $case gets 400 $type", async ({ operation, body, type, message }) => {
    const { status, json } = await postJson(cloud.endpoint, `${TARGET}.${operation}`, body);
    expect(status).toBe(400);
    expect(json.__type).toBe(type);
    expect(json.message).toMatch(message);
  });

  test.each([
    { case: "malformed JSON", body: "{not json", message: /not valid JSON/ },
    { case: "an array", body: "[]", message: /must be a JSON object, got an array/ },
    { case: "null", body: "null", message: /must be a JSON object, got null/ },
  ])("every Cognito operation, answered here or by moto, answers $case with 400 SerializationException in JSON", async ({ body, message }) => {
    const targets = [
      ...operationsOf(cognitoIdentityProvider).map((operation) => `AWSCognitoIdentityProviderService.${operation}`),
      ...operationsOf(cognitoIdentity).map((operation) => `${TARGET}.${operation}`),
    ];
    expect(targets.length).toBeGreaterThan(100);
    const wrong = [];
    for (const target of targets) {
      const answer = await postJson(cloud.endpoint, target, body).catch((error: Error) => ({ status: 0, json: { message: error.message } as Record<string, unknown> }));
      if (answer.status !== 400 || answer.json.__type !== "SerializationException" || !message.test(String(answer.json.message))) wrong.push({ target, ...answer });
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  test("moto's own errors are forwarded: DescribeIdentityPool of an unknown pool is moto's ResourceNotFoundException", async () => {
    const error = await rejection(identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: UNKNOWN_POOL })));
    expect(error.name).toBe("ResourceNotFoundException");
    // moto's message is the bare pool id; ours would say "IdentityPool '...' not found."
    expect(error.message).toBe(UNKNOWN_POOL);
  });

  test("UpdateStage (moto has none) replaces the fields it names and keeps the others, as API Gateway does", async () => {
    const apigw = new ApiGatewayV2Client({ endpoint: cloud.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const { ApiId } = await apigw.send(new CreateApiCommand({ Name: "front-test-api", ProtocolType: "HTTP" }));
      const logs = (group: string) => ({ DestinationArn: `arn:aws:logs:${REGION}:123456789012:log-group:${group}`, Format: "$context.requestId" });
      const throttle = { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 };
      await apigw.send(new CreateStageCommand({ ApiId, StageName: "$default", AutoDeploy: true, AccessLogSettings: logs("/aws/apigateway/old"), DefaultRouteSettings: throttle }));
      const updated = await apigw.send(new UpdateStageCommand({ ApiId, StageName: "$default", AccessLogSettings: logs("/aws/vendedlogs/new") }));
      expect(updated.AccessLogSettings).toEqual(logs("/aws/vendedlogs/new"));
      const stage = await apigw.send(new GetStageCommand({ ApiId, StageName: "$default" }));
      expect(stage).toMatchObject({ StageName: "$default", AutoDeploy: true, AccessLogSettings: logs("/aws/vendedlogs/new"), DefaultRouteSettings: throttle });
      await expect(apigw.send(new UpdateStageCommand({ ApiId, StageName: "missing", AutoDeploy: false }))).rejects.toMatchObject({ name: "NotFoundException" });
    } finally {
      apigw.destroy();
    }
  });

  test("streams large binary bodies both ways (S3 put and get of 3 MiB through the front)", async () => {
    const bucket = `front-test-${randomBytes(4).toString("hex")}`;
    const data = randomBytes(3 * 1024 * 1024);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "blob", Body: data }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "blob" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  test("stop() closes the front's port and ends moto", async () => {
    const other = await startLocalCloud({ warmUp: false });
    // The front answers (and refuses moto's own API), moto answers behind it.
    expect((await fetch(`${other.endpoint}/moto-api/`)).status).toBe(403);
    const motoApi = () => other.motoClient.request({ method: "GET", path: "/moto-api/" });
    expect((await motoApi()).status).toBe(200);
    expect(motoRunsOn(other.motoSocketPath)).toBe(true);

    await other.stop();
    await expect(fetch(`${other.endpoint}/moto-api/`)).rejects.toThrow();
    await expect(motoApi()).rejects.toThrow();
    expect(motoRunsOn(other.motoSocketPath)).toBe(false);
  }, 20_000);
});

describeWhen(missing("moto"))("local cloud: connections to moto", () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
  }, 30_000);

  afterAll(async () => {
    process.kill(cloud.motoPid, "SIGCONT");
    await cloud?.stop();
  }, 15_000);

  test("300 clients at once (more than the 128 connections moto queues), each on its own connection, while moto accepts none, all get their answer once it does (none a 502)", async () => {
    // moto busy (here: stopped) is when connections pile up: past its backlog of 128, connect() fails at once.
    process.kill(cloud.motoPid, "SIGSTOP");
    const answers = callsAtOnce(
      cloud.endpoint,
      300,
      // Forwarded to moto by the front.
      ["AWSCognitoIdentityProviderService.InitiateAuth", JSON.stringify({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: "nope", AuthParameters: {} })],
      // Answered by the front's handler, which asks moto itself.
      [`${TARGET}.GetId`, JSON.stringify({ IdentityPoolId: UNKNOWN_POOL })],
    );
    // Well within the 4 s after which the front takes a silent moto for dead.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    process.kill(cloud.motoPid, "SIGCONT");
    expect(await answers).toEqual({ "400 ResourceNotFoundException": 300 });
  }, 60_000);
});

describe("front router, without moto", () => {
  test("a handler that throws gives 500 InternalFailure, and the front keeps serving", async () => {
    const handlers: Record<string, Handler> = {
      "Test.Boom": async () => {
        throw new Error("kaboom");
      },
      "Test.Ok": async () => jsonResponse({ ok: true }),
    };
    const front = await startFront(noMoto(), [{ handlers }]);
    try {
      expect(await postJson(front.endpoint, "Test.Boom", "{}")).toEqual({ status: 500, json: { __type: "InternalFailure", message: "kaboom" } });
      expect(await postJson(front.endpoint, "Test.Ok", "{}")).toEqual({ status: 200, json: { ok: true } });
    } finally {
      await front.stop();
    }
  });

  test("a request for moto while moto is unreachable gives 502 with a JSON error", async () => {
    const front = await startFront(noMoto(), []);
    try {
      const { status, json } = await postJson(front.endpoint, "AWSCognitoIdentityService.ListIdentityPools", "{}");
      expect(status).toBe(502);
      expect(json.__type).toBe("BadGateway");
      expect(json.message).toMatch(/could not reach moto/);
    } finally {
      await front.stop();
    }
  });
});

describe("identity pool roles: DeleteIdentityPool", () => {
  const id = `${REGION}:11111111-1111-1111-1111-111111111111`;
  const request: AwsJsonRequest = {
    target: `${TARGET}.DeleteIdentityPool`,
    method: "POST",
    path: "/",
    headers: {},
    body: Buffer.from(JSON.stringify({ IdentityPoolId: id })),
    region: REGION,
    accessKeyId: "test",
  };
  const answering = (status: number): HandlerContext => ({
    moto: noMoto(),
    forward: async (): Promise<AwsResponse> => ({ status, headers: {}, body: Buffer.from(status === 200 ? "" : '{"__type":"ResourceNotFoundException"}') }),
  });

  test.each([
    [200, "forgets the pool's roles once moto has deleted it", undefined],
    [400, "keeps the pool's roles when moto's delete fails, and passes moto's answer on", { authenticated: "arn:aws:iam::123456789012:role/r" }],
  ])("moto answers %i: %s", async (status, _what, expected) => {
    const store = new IdentityPoolRoleStore();
    store.set(id, { authenticated: "arn:aws:iam::123456789012:role/r" });
    const handler = identityPoolRoleHandlers(store)[`${TARGET}.DeleteIdentityPool`];
    const response = await handler(request, answering(status));
    expect(response.status).toBe(status);
    expect(store.get(id)?.Roles).toEqual(expected);
  });
});
