import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contextFromEnvironment, MAX_STAGE_NAME_LENGTH, readCdktfJson, resolveSettings, SETTING_SOURCES, stageNamed, stageSettingSource, STAGES } from "../../../app/config";
import { MAX_REGION_CODE_LENGTH, physicalName } from "../../../constructs/naming";
import { ValidationError } from "../../../constructs/validation";

const noContext = () => undefined;
const context = (values: Record<string, unknown>) => (key: string) => values[key];

describe("resolveSettings", () => {
  test("defaults: us-east-1 and the documented state bucket", () => {
    expect(resolveSettings(noContext, {})).toEqual({
      stages: STAGES.map((stage) => ({ ...stage, region: "us-east-1", lambdaRuntime: "nodejs22.x" })),
      baseStage: "dev",
      region: "us-east-1",
      lambdaRuntime: "nodejs22.x",
      stateBucket: "api-auth-cognito-terraform-state",
      stateRegion: "us-east-1",
      target: "aws",
      localEndpoint: "http://127.0.0.1:4599",
      githubRepository: "",
      githubOidcProviderArn: "",
    });
  });

  test("cdktf.json context overrides defaults, and the environment overrides context", () => {
    const fromContext = context({ region: "eu-west-1", stateBucket: "ctx-bucket", stateRegion: "eu-west-2" });
    expect(resolveSettings(fromContext, {})).toMatchObject({ stages: STAGES, region: "eu-west-1", stateBucket: "ctx-bucket", stateRegion: "eu-west-2" });
    expect(
      resolveSettings(fromContext, {
        API_AUTH_COGNITO_REGION: "us-west-2",
        API_AUTH_COGNITO_STATE_BUCKET: "env-bucket",
        API_AUTH_COGNITO_STATE_REGION: "us-east-2",
      }),
    ).toMatchObject({ stages: STAGES, region: "us-west-2", stateBucket: "env-bucket", stateRegion: "us-east-2" });
  });

  test("an empty environment variable counts as unset", () => {
    expect(resolveSettings(context({ stateBucket: "ctx-bucket" }), { API_AUTH_COGNITO_STATE_BUCKET: "" }).stateBucket).toBe("ctx-bucket");
  });

  test("every setting documents its environment variable and context key", () => {
    expect(Object.values(SETTING_SOURCES).map((s) => s.env)).toEqual([
      "API_AUTH_COGNITO_STAGES",
      "API_AUTH_COGNITO_BASE_STAGE",
      "API_AUTH_COGNITO_REGION",
      "API_AUTH_COGNITO_LAMBDA_RUNTIME",
      "API_AUTH_COGNITO_STATE_BUCKET",
      "API_AUTH_COGNITO_STATE_REGION",
      "API_AUTH_COGNITO_TARGET",
      "API_AUTH_COGNITO_LOCAL_ENDPOINT",
      "API_AUTH_COGNITO_GITHUB_REPOSITORY",
      "API_AUTH_COGNITO_GITHUB_OIDC_PROVIDER",
    ]);
  });

  describe("the target switch", () => {
    test("local, from the environment or cdktf.json, with the local cloud's endpoint", () => {
      expect(resolveSettings(noContext, { API_AUTH_COGNITO_TARGET: "local" })).toMatchObject({ target: "local", localEndpoint: "http://127.0.0.1:4599" });
      expect(resolveSettings(context({ target: "local" }), {}).target).toBe("local");
      expect(resolveSettings(context({ target: "local" }), { API_AUTH_COGNITO_TARGET: "aws" }).target).toBe("aws");
    });

    test("the default endpoint follows the local cloud's port variable; the endpoint variable wins", () => {
      expect(resolveSettings(noContext, { API_AUTH_COGNITO_CLOUD_PORT: "4700" }).localEndpoint).toBe("http://127.0.0.1:4700");
      const env = { API_AUTH_COGNITO_CLOUD_PORT: "4700", API_AUTH_COGNITO_LOCAL_ENDPOINT: "http://localhost:5000" };
      expect(resolveSettings(noContext, env).localEndpoint).toBe("http://localhost:5000");
    });

    test("any other target is one error naming it and the allowed values", () => {
      expect(() => resolveSettings(noContext, { API_AUTH_COGNITO_TARGET: "localstack" })).toThrow(
        new ValidationError('invalid target "localstack": expected one of aws, local (aws is the default) (from environment variable API_AUTH_COGNITO_TARGET)'),
      );
    });

    test.each(["127.0.0.1:4599", "ftp://127.0.0.1:4599", "http://127.0.0.1:4599/path", "nonsense", "http://user:secret@127.0.0.1:4599", "http://127.0.0.1:4599/./", "http://127.0.0.1:4599//", "http://127.0.0.1:4599?x"])(
      "a bad local endpoint %p is refused, never written into a provider",
      (endpoint) => {
        expect(() => resolveSettings(noContext, { API_AUTH_COGNITO_LOCAL_ENDPOINT: endpoint })).toThrow(
          `invalid local endpoint "${endpoint}": expected http://<host>:<port> with nothing else, such as http://127.0.0.1:4599 (from environment variable API_AUTH_COGNITO_LOCAL_ENDPOINT)`,
        );
      },
    );

    test("a local endpoint is used as its origin: a trailing slash or an upper-case host makes no second spelling", () => {
      expect(resolveSettings(noContext, { API_AUTH_COGNITO_LOCAL_ENDPOINT: "http://LOCALHOST:5000/" }).localEndpoint).toBe("http://localhost:5000");
    });

    test("a bad port variable is refused, naming it", () => {
      expect(() => resolveSettings(noContext, { API_AUTH_COGNITO_CLOUD_PORT: "99999" })).toThrow(
        'invalid port "99999" (from environment variable API_AUTH_COGNITO_CLOUD_PORT): expected a number from 1 to 65535, or 0 for any free port',
      );
    });
  });

  test.each([
    ["ab", "it must be 3 to 63 characters long"],
    ["a".repeat(64), "it must be 3 to 63 characters long"],
    ["My-Bucket", "it may hold only lowercase letters, digits, dots and hyphens"],
    ["my_bucket", "it may hold only lowercase letters, digits, dots and hyphens"],
    ["-bucket", "it must begin and end with a letter or digit"],
    ["bucket.", "it must begin and end with a letter or digit"],
    ["my.bucket", "it may not contain dots (HTTPS to virtual-hosted-style S3 addresses fails on them)"],
    ["my..bucket", "it may not hold two dots in a row"],
    ["192.168.5.4", "it may not look like an IP address"],
    ["xn--bucket", 'it may not start with "xn--"'],
    ["bucket-s3alias", 'it may not end with "-s3alias"'],
  ])("rejects the state bucket %j: %s", (bucket, why) => {
    expect(() => resolveSettings(noContext, { API_AUTH_COGNITO_STATE_BUCKET: bucket })).toThrow(
      new ValidationError(`invalid state bucket "${bucket}": ${why} (from environment variable API_AUTH_COGNITO_STATE_BUCKET)`),
    );
  });

  test.each(["mars-1", "US-EAST-1", "us-east", "useast1"])("rejects the region %j, naming its source", (region) => {
    expect(() => resolveSettings(context({ region }), {})).toThrow(
      `invalid region "${region}": expected an AWS region code such as us-east-1 or eu-west-2 (from cdktf.json context "region")`,
    );
  });

  test("accepts every shape of region code AWS uses", () => {
    for (const region of ["us-east-1", "eu-central-2", "ap-southeast-4", "us-gov-west-1", "il-central-1", "mx-central-1"]) {
      expect(resolveSettings(context({ region }), {}).region).toBe(region);
    }
  });

  test("rejects a state region, naming the setting", () => {
    expect(() => resolveSettings(noContext, { API_AUTH_COGNITO_STATE_REGION: "nowhere" })).toThrow(/invalid state region "nowhere"/);
  });

  test("stages selects which stage stacks to synthesize, in the order given, without repeats", () => {
    expect(resolveSettings(noContext, { API_AUTH_COGNITO_STAGES: "prod" }).stages.map((s) => s.name)).toEqual(["prod"]);
    expect(resolveSettings(context({ stages: "prod, dev,prod" }), {}).stages.map((s) => s.name)).toEqual(["prod", "dev"]);
  });

  test("a stage not in STAGES (personal, preview) is a stage of its own with dev's settings, or the base stage's", () => {
    const [preview, prod] = resolveSettings(noContext, { API_AUTH_COGNITO_STAGES: "pr-42,prod" }).stages;
    expect(preview).toEqual({ ...stageNamed("dev"), name: "pr-42", base: "dev", region: "us-east-1", lambdaRuntime: "nodejs22.x" });
    expect(prod).toEqual({ ...stageNamed("prod"), region: "us-east-1", lambdaRuntime: "nodejs22.x" });
    expect(resolveSettings(context({ baseStage: "prod" }), { API_AUTH_COGNITO_STAGES: "alice" }).stages).toEqual([
      { ...stageNamed("prod"), name: "alice", base: "prod", region: "us-east-1", lambdaRuntime: "nodejs22.x" },
    ]);
    expect(resolveSettings(noContext, { API_AUTH_COGNITO_STAGES: "alice", API_AUTH_COGNITO_BASE_STAGE: "prod" }).baseStage).toBe("prod");
  });

  test(`a stage name may have ${MAX_STAGE_NAME_LENGTH} characters, so that its guest role's name fits IAM's 64 in any region`, () => {
    const longest = `s${"x".repeat(MAX_STAGE_NAME_LENGTH - 1)}`;
    expect(MAX_STAGE_NAME_LENGTH).toBe(22);
    expect(physicalName("api-auth-cognito", `${longest}-${"r".repeat(MAX_REGION_CODE_LENGTH)}`, "unauthenticated")).toHaveLength(64);
    expect(resolveSettings(noContext, { API_AUTH_COGNITO_STAGES: longest }).stages[0].name).toBe(longest);
    expect(() => resolveSettings(noContext, { API_AUTH_COGNITO_STAGES: `${longest}x` })).toThrow(
      `invalid stage name "${longest}x": 23 characters, at most 22 (its longest name, api-auth-cognito-<stage>-<region code>-unauthenticated, must fit IAM's 64 in any region) (from environment variable API_AUTH_COGNITO_STAGES)`,
    );
  });

  test("a stage may set its own region and deploy role, from the environment or cdktf.json context", () => {
    const settings = resolveSettings(context({ "region.pr-42": "eu-west-2", region: "us-west-2" }), {
      API_AUTH_COGNITO_STAGES: "dev,prod,pr-42",
      API_AUTH_COGNITO_REGION_PROD: "eu-central-1",
      API_AUTH_COGNITO_DEPLOY_ROLE_PROD: "arn:aws:iam::222222222222:role/api-auth-cognito-deploy",
    });
    expect(settings.stages.map((s) => [s.name, s.region, s.deployRoleArn])).toEqual([
      ["dev", "us-west-2", undefined],
      ["prod", "eu-central-1", "arn:aws:iam::222222222222:role/api-auth-cognito-deploy"],
      ["pr-42", "eu-west-2", undefined],
    ]);
    expect(stageSettingSource("region", "pr-42")).toEqual({ env: "API_AUTH_COGNITO_REGION_PR_42", context: "region.pr-42" });
    // The environment wins over context, as for every setting.
    expect(resolveSettings(context({ "region.dev": "eu-west-1" }), { API_AUTH_COGNITO_REGION_DEV: "ap-south-1" }).stages[0].region).toBe("ap-south-1");
  });

  test("the Lambda runtime: nodejs22.x, or the lambdaRuntime setting, or a stage's own", () => {
    const settings = resolveSettings(context({ lambdaRuntime: "nodejs24.x", "lambdaRuntime.prod": "nodejs22.x" }), {
      API_AUTH_COGNITO_STAGES: "dev,prod,pr-42",
      API_AUTH_COGNITO_LAMBDA_RUNTIME_PR_42: "nodejs22.x",
    });
    expect(settings.lambdaRuntime).toBe("nodejs24.x");
    expect(settings.stages.map((s) => [s.name, s.lambdaRuntime])).toEqual([
      ["dev", "nodejs24.x"],
      ["prod", "nodejs22.x"],
      ["pr-42", "nodejs22.x"],
    ]);
    expect(stageSettingSource("lambdaRuntime", "pr-42")).toEqual({ env: "API_AUTH_COGNITO_LAMBDA_RUNTIME_PR_42", context: "lambdaRuntime.pr-42" });
    expect(resolveSettings(context({ "lambdaRuntime.dev": "nodejs22.x" }), { API_AUTH_COGNITO_LAMBDA_RUNTIME_DEV: "nodejs24.x" }).stages[0].lambdaRuntime).toBe("nodejs24.x");
  });

  test.each([
    [{ API_AUTH_COGNITO_LAMBDA_RUNTIME: "nodejs20.x" }, 'invalid Lambda runtime "nodejs20.x": expected one of nodejs22.x, nodejs24.x (nodejs22.x is the default) (from environment variable API_AUTH_COGNITO_LAMBDA_RUNTIME)'],
    [{ API_AUTH_COGNITO_LAMBDA_RUNTIME_PROD: "node24" }, 'invalid Lambda runtime of stage "prod" "node24": expected one of nodejs22.x, nodejs24.x (nodejs22.x is the default) (from environment variable API_AUTH_COGNITO_LAMBDA_RUNTIME_PROD)'],
    [{ API_AUTH_COGNITO_LAMBDA_RUNTIME: "nodejs24.x\n\u001b[2J" }, 'invalid Lambda runtime "nodejs24.x\\n\\u001b[2J": expected one of'],
    [{ API_AUTH_COGNITO_REGION_PROD: "mars-1" }, 'invalid region of stage "prod" "mars-1": expected an AWS region code such as us-east-1 or eu-west-2 (from environment variable API_AUTH_COGNITO_REGION_PROD)'],
    [{ API_AUTH_COGNITO_DEPLOY_ROLE_DEV: "arn:aws:iam::123:role/x" }, 'invalid deploy role of stage "dev" "arn:aws:iam::123:role/x": expected an IAM role ARN such as arn:aws:iam::123456789012:role/deploy (from environment variable API_AUTH_COGNITO_DEPLOY_ROLE_DEV)'],
    [{ API_AUTH_COGNITO_DEPLOY_ROLE_DEV: "arn:aws:iam::123456789012:user/x" }, 'invalid deploy role of stage "dev" "arn:aws:iam::123456789012:user/x": expected an IAM role ARN'],
  ])("rejects a stage's own setting %j, naming it and its source", (env, message) => {
    expect(() => resolveSettings(noContext, env)).toThrow(message);
  });

  test("a stage's email sender: its SES identity and address, from context or the environment, both or neither", () => {
    const ses = "arn:aws:ses:eu-west-1:222222222222:identity/example.com";
    const settings = resolveSettings(context({ "sesIdentity.prod": ses, "emailFrom.prod": "Example <no-reply@example.com>", "region.prod": "eu-west-1" }), {});
    expect(settings.stages.map((s) => [s.name, s.email])).toEqual([
      ["dev", undefined],
      ["prod", { sesIdentityArn: ses, from: "Example <no-reply@example.com>" }],
    ]);
    expect(stageSettingSource("sesIdentityArn", "pr-42")).toEqual({ env: "API_AUTH_COGNITO_SES_IDENTITY_PR_42", context: "sesIdentity.pr-42" });
    expect(stageSettingSource("emailFrom", "prod")).toEqual({ env: "API_AUTH_COGNITO_EMAIL_FROM_PROD", context: "emailFrom.prod" });
    // Cognito sends with SES in the pool's region, or in us-east-1, us-west-2 or eu-west-1.
    const inUsEast1 = resolveSettings(noContext, { API_AUTH_COGNITO_REGION_DEV: "ap-south-1", API_AUTH_COGNITO_SES_IDENTITY_DEV: "arn:aws:ses:us-east-1:123456789012:identity/example.com", API_AUTH_COGNITO_EMAIL_FROM_DEV: "a@example.com" });
    expect(inUsEast1.stages[0].email?.sesIdentityArn).toBe("arn:aws:ses:us-east-1:123456789012:identity/example.com");
  });

  test.each([
    [{ API_AUTH_COGNITO_SES_IDENTITY_PROD: "arn:aws:ses:us-east-1:123456789012:identity/example.com" }, 'the email sender of stage "prod" has no sender address: set both or neither (API_AUTH_COGNITO_EMAIL_FROM_PROD, or context "emailFrom.prod")'],
    [{ API_AUTH_COGNITO_EMAIL_FROM_DEV: "a@example.com" }, 'the email sender of stage "dev" has no SES identity: set both or neither (API_AUTH_COGNITO_SES_IDENTITY_DEV, or context "sesIdentity.dev")'],
    [{ API_AUTH_COGNITO_SES_IDENTITY_DEV: "arn:aws:ses:us-east-1:1:identity/x", API_AUTH_COGNITO_EMAIL_FROM_DEV: "a@example.com" }, 'invalid SES identity ARN "arn:aws:ses:us-east-1:1:identity/x"'],
    [{ API_AUTH_COGNITO_SES_IDENTITY_DEV: "arn:aws:ses:ap-south-1:123456789012:identity/example.com", API_AUTH_COGNITO_EMAIL_FROM_DEV: "a@example.com" }, 'SES identity example.com of stage "dev" is in ap-south-1, but its user pool is in us-east-1'],
    [{ API_AUTH_COGNITO_SES_IDENTITY_DEV: "arn:aws:ses:us-east-1:123456789012:identity/example.com", API_AUTH_COGNITO_EMAIL_FROM_DEV: "a@b" }, 'invalid email sender of stage "dev" "a@b"'],
    [{ API_AUTH_COGNITO_SES_IDENTITY_DEV: "arn:aws:ses:us-east-1:123456789012:identity/example.com", API_AUTH_COGNITO_EMAIL_FROM_DEV: "a@other.org" }, 'email sender "a@other.org" is not an address of the SES identity example.com'],
    [
      { API_AUTH_COGNITO_DEPLOY_ROLE_DEV: "arn:aws:iam::222222222222:role/deploy", API_AUTH_COGNITO_SES_IDENTITY_DEV: "arn:aws:ses:us-east-1:123456789012:identity/example.com", API_AUTH_COGNITO_EMAIL_FROM_DEV: "a@example.com" },
      "SES identity example.com of stage \"dev\" is in account 123456789012, but its user pool is in account 222222222222",
    ],
  ])("rejects the email sender settings %j with one line", (env, message) => {
    expect(() => resolveSettings(noContext, env)).toThrow(message);
  });

  test("rejects a base stage that is not in STAGES, naming the setting", () => {
    expect(() => resolveSettings(context({ baseStage: "pr-1" }), {})).toThrow(
      'invalid base stage "pr-1": expected one of dev, prod (the stages in app/config.ts) (from cdktf.json context "baseStage")',
    );
  });

  test.each([
    ["dev,Prod", 'invalid stage name "Prod": expected lowercase letters, digits and single hyphens, starting with a letter'],
    ["dev,", 'invalid stage name "": expected lowercase letters, digits and single hyphens, starting with a letter'],
    ["pr--42", 'invalid stage name "pr--42": expected lowercase letters, digits and single hyphens, starting with a letter'],
    ["42", 'invalid stage name "42": expected lowercase letters, digits and single hyphens, starting with a letter'],
  ])("rejects the stage list %j", (stages, message) => {
    expect(() => resolveSettings(noContext, { API_AUTH_COGNITO_STAGES: stages })).toThrow(
      `${message} (from environment variable API_AUTH_COGNITO_STAGES)`,
    );
  });

  test.each(["state", "ci"])("refuses the stage name %p: its stack would be one of the app's own stacks", (name) => {
    expect(() => resolveSettings(noContext, { API_AUTH_COGNITO_STAGES: `dev,${name}` })).toThrow(
      new ValidationError(`invalid stage name "${name}": its stack would be api-auth-cognito-${name}, the name of the app's own ${name === "ci" ? "CI roles" : "state"} stack; choose another name (from environment variable API_AUTH_COGNITO_STAGES)`),
    );
  });

  test("a value with control characters or of any length is named in one line, escaped and cut", () => {
    const hostile = `x\n\u001b]0;owned\u0007${"y".repeat(10_000)}`;
    let message = "";
    try {
      resolveSettings(noContext, { API_AUTH_COGNITO_STAGES: hostile });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid stage name "x\\n\\u001b\]0;owned\\u0007y+"… \(\d+ more characters\): expected lowercase letters/);
    expect(message).not.toMatch(/[\u0000-\u001f]/);
    expect(message.length).toBeLessThan(400);
  });

  test("refuses an email sender whose name holds a control character (a CR LF would start a mail header of its own)", () => {
    const env = { API_AUTH_COGNITO_SES_IDENTITY_DEV: "arn:aws:ses:us-east-1:123456789012:identity/example.com", API_AUTH_COGNITO_EMAIL_FROM_DEV: "Example\r\nBcc: all@example.org <a@example.com>" };
    expect(() => resolveSettings(noContext, env)).toThrow('invalid email sender of stage "dev" "Example\\r\\nBcc: all@example.org <a@example.com>": expected an email address');
  });

  test("rejects a context value that is not a string", () => {
    expect(() => resolveSettings(context({ stateBucket: 42 }), {})).toThrow('invalid cdktf.json context "stateBucket": 42 is not a string');
  });
});

describe("physicalName", () => {
  test("joins app, stage and logical name", () => {
    expect(physicalName("api-auth-cognito", "dev", "private")).toBe("api-auth-cognito-dev-private");
    expect(physicalName("api-auth-cognito", "prod")).toBe("api-auth-cognito-prod");
  });

  test.each([
    ["Dev", "stage name"],
    ["dev_1", "stage name"],
    ["1dev", "stage name"],
    ["dev--x", "stage name"],
    ["", "stage name"],
  ])("rejects the stage name %j", (stage, what) => {
    expect(() => physicalName("app", stage)).toThrow(
      `invalid ${what} "${stage}": expected lowercase letters, digits and single hyphens, starting with a letter`,
    );
  });
});

describe("readCdktfJson", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "api-auth-cognito-cdktf-json-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** cdktf.json with `text`, read back. */
  const read = (text: string) => {
    const file = join(dir, "cdktf.json");
    writeFileSync(file, text);
    return () => readCdktfJson(file);
  };

  test("keeps every key, with the context (an object) and the app command", () => {
    expect(read('{"app": "node main.js", "language": "typescript", "context": {"region": "eu-west-1"}}')()).toEqual({ app: "node main.js", language: "typescript", context: { region: "eu-west-1" } });
    expect(read('{"app": "node main.js"}')().context).toEqual({});
  });

  test.each([
    ['{"app": "node main.js", "context": "eu-west-1"}', /^invalid "context" in .*cdktf\.json: "eu-west-1" is not an object; expected an object of settings/],
    ['{"app": "node main.js", "context": null}', /^invalid "context" in .*cdktf\.json: null is not an object/],
    ['{"app": "node main.js", "context": ["a"]}', /^invalid "context" in .*cdktf\.json: \["a"\] is not an object/],
    ['{"app": 42}', /^invalid "app" in .*cdktf\.json: 42; expected the command that runs the app$/],
    ['{"app": "node main.js",\n  "context": {,}}', /^.*cdktf\.json is not valid JSON: .*position \d+/],
    ["[]", /^invalid .*cdktf\.json: \[\] is not an object/],
  ])("refuses %j in one line naming the file", (text, message) => {
    expect(read(text)).toThrow(ValidationError);
    expect(read(text)).toThrow(message);
    expect(() => read(text)()).not.toThrow(/\n/);
  });

  test("a missing file is one line naming it", () => {
    expect(() => readCdktfJson(join(dir, "none", "cdktf.json"))).toThrow(/^cannot read .*none\/cdktf\.json: ENOENT/);
  });
});

describe("contextFromEnvironment", () => {
  test("the context cdktf passes, or none", () => {
    expect(contextFromEnvironment({ CDKTF_CONTEXT_JSON: '{"region": "eu-west-1"}' })).toEqual({ region: "eu-west-1" });
    expect(contextFromEnvironment({})).toEqual({});
  });
});
