import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DevEnvironment, LOCAL_OUTPUT_NAMES, startDev, writeOutputsFile } from "../../../../tools/dev";
import { invoke } from "../../../../tools/local-api";
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../../tools/local-cloud";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";
import { smoke } from "../../../support/smoke-command";

const ROOT = join(__dirname, "..", "..", "..", "..");
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it holds; fails naming `what` after `ms`. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * `npm run dev`'s reloads, on a copy of lambdas/ edited the way developers and their editors do: per handler, one
 * reload per save, nothing for editor scratch files or touches, a broken handler serving its last good code while the
 * others reload, a handler that throws answering 500 with a stack naming the TypeScript source, and `npm run smoke`
 * failing at the step a broken handler breaks. A session and a cloud of this file's own, since it edits handlers.
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("npm run dev: reloads", () => {
  let scratch: string;
  let dev: DevEnvironment;
  const logs: string[] = [];
  const reloads: string[] = [];
  let publicName: string;
  let privateName: string;
  const file = (name: string) => join(scratch, "lambdas", name);
  const edit = (name: string, from: string, to: string) => {
    const text = readFileSync(file(name), "utf8");
    if (!text.includes(from)) throw new Error(`${name} does not contain ${from}`);
    writeFileSync(file(name), text.replace(from, to));
  };
  const publicBody = async () => (await fetch(`${dev.api.url}/public`)).text();
  /** GET /private's handler, run by the local runner on the code the emulator holds, for a caller with an IAM ARN. */
  const privateBody = async () => {
    const result = await invoke((await dev.cloud.lambdaCode.code(privateName))!, { requestContext: { authorizer: { iam: { userArn: "arn:aws:iam::000000000000:user/ada" } } } });
    return result.kind === "ok" ? (result.result as { body: string }).body : `${result.kind}`;
  };
  /** Reloads since `mark` (an index into the reload record). */
  const since = (mark: number) => reloads.slice(mark);

  beforeAll(async () => {
    scratch = ownFolder("dev-reload");
    cpSync(join(ROOT, "lambdas"), join(scratch, "lambdas"), { recursive: true });
    dev = await startDev({
      workdir: join(scratch, "work"),
      sourceRoot: scratch,
      log: (line) => logs.push(line),
      onReload: (name) => reloads.push(name),
    });
    publicName = dev.manifest.functions.find((fn) => fn.entry === "lambdas/public.ts")!.name;
    privateName = dev.manifest.functions.find((fn) => fn.entry === "lambdas/private.ts")!.name;
  }, 180_000);

  afterAll(async () => {
    await dev?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("sed -i on one handler: exactly one reload, of that handler only, and the next request runs the new code", async () => {
    const mark = reloads.length;
    await run("sed", ["-i", "s/Hello stranger!/Hello, sed stranger!/", file("public.ts")]);
    await waitFor("GET /public to answer the edited greeting", async () => (await publicBody()) === "Hello, sed stranger!");
    // Time for any further reload the burst of events could cause.
    await sleep(1_500);
    expect(since(mark)).toEqual([publicName]);
    expect(logs.filter((line) => new RegExp(`^reloaded ${publicName} in \\d+ ms$`).test(line))).toHaveLength(1);
  }, 60_000);

  test("editor swap, backup and lock files and a touch of a handler reload nothing", async () => {
    const mark = reloads.length;
    const scratchFiles = [".public.ts.swp", "public.ts~", "4913", ".#public.ts"];
    for (const name of scratchFiles) writeFileSync(file(name), "export const broken = ;\n");
    const now = new Date();
    utimesSync(file("public.ts"), now, now);
    writeFileSync(file("public.ts"), readFileSync(file("public.ts")));
    for (const name of scratchFiles) unlinkSync(file(name));
    // A real edit after them: once it is served, the events before it have been handled.
    edit("private.ts", "`Hello ${caller}!`", "`Hi ${caller}!`");
    await waitFor("GET /private's handler to answer the edited greeting", async () => (await privateBody()) === "Hi arn:aws:iam::000000000000:user/ada!");
    await sleep(1_500);
    expect(since(mark)).toEqual([privateName]);
  }, 60_000);

  test("a syntax error in public.ts: it keeps serving its last good code, its error is printed once over several saves, private.ts still reloads", async () => {
    const mark = reloads.length;
    const errorLines = () => logs.filter((line) => line.startsWith(`${publicName} does not build`));
    const before = errorLines().length;
    edit("public.ts", "return {", "return {{ ;");
    await waitFor("public.ts's build error", () => errorLines().length > before);
    // More saves that keep the same error (below it), each its own burst of events.
    for (const n of [1, 2]) {
      writeFileSync(file("public.ts"), `${readFileSync(file("public.ts"), "utf8")}// save ${n}\n`);
      await sleep(500);
    }
    edit("private.ts", "`Hi ${caller}!`", "`Hey ${caller}!`");
    await waitFor("GET /private's handler to answer the edited greeting", async () => (await privateBody()) === "Hey arn:aws:iam::000000000000:user/ada!");
    await sleep(1_500);
    expect(since(mark)).toEqual([privateName]);
    expect(errorLines().slice(before)).toEqual([expect.stringMatching(/lambdas\/public\.ts:\d+:\d+: /)]);
    expect(await publicBody()).toBe("Hello, sed stranger!");

    writeFileSync(file("public.ts"), readFileSync(join(ROOT, "lambdas", "public.ts"), "utf8"));
    await waitFor("GET /public to answer the original greeting", async () => (await publicBody()) === "Hello stranger!");
    expect(logs).toContain(`${publicName} builds again`);
  }, 60_000);

  test("an edit of a module both handlers import reloads both", async () => {
    const mark = reloads.length;
    edit("log.ts", "const line = { level, message,", 'const line = { level, message, edited: "shared",');
    await waitFor("both functions to reload", () => since(mark).length >= 2);
    await sleep(1_500);
    expect(since(mark).sort()).toEqual([privateName, publicName].sort());
    await publicBody();
    await waitFor("the edited log line", () => logs.some((line) => line.includes('"edited":"shared"') && line.includes("greeted a stranger")));
  }, 60_000);

  test("npm run smoke fails naming the step when GET /private's handler throws, and still deletes its user", async () => {
    const outputsFile = writeOutputsFile(join(scratch, "outputs.json"), dev.manifest.stack, { ...dev.outputs, [LOCAL_OUTPUT_NAMES.cloud]: dev.cloud.endpoint });
    const good = readFileSync(file("private.ts"), "utf8");
    const mark = reloads.length;
    writeFileSync(file("private.ts"), good.replace("const caller = callerName(event);", 'throw new Error("broken on purpose");\n  const caller = callerName(event);'));
    try {
      await waitFor("private.ts to reload", () => since(mark).includes(privateName));
      const result = await smoke(["dev", "--outputs-file", outputsFile]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim().split("\n").pop()).toMatch(
        /^Error: smoke test of api-auth-cognito-dev failed at step "signed GET \/private answers 200 Hello <identity id>!": expected 200 Hello us-east-1:[0-9a-f-]{36}!, got 500 .* from GET http:\/\/127\.0\.0\.1:\d+\/private$/,
      );
      expect(result.stderr).toContain("passed: unsigned GET /private answers 403");
      const idp = new CognitoIdentityProviderClient({ endpoint: dev.cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
      try {
        expect((await idp.send(new ListUsersCommand({ UserPoolId: dev.outputs.UserPoolId }))).Users ?? []).toEqual([]);
      } finally {
        idp.destroy();
      }
    } finally {
      writeFileSync(file("private.ts"), good);
    }
  }, 60_000);

  test("a handler that throws answers 500 as API Gateway does, and its stack names the handler's TypeScript file and line", async () => {
    const broken = readFileSync(file("public.ts"), "utf8").replace('log("info", "greeted a stranger", context, event);', 'throw new Error("broken on purpose");');
    const line = broken.split("\n").findIndex((l) => l.includes("broken on purpose")) + 1;
    writeFileSync(file("public.ts"), broken);
    await waitFor("GET /public to fail", async () => (await fetch(`${dev.api.url}/public`)).status === 500);
    const response = await fetch(`${dev.api.url}/public`);
    expect([response.status, await response.json()]).toEqual([500, { message: "Internal Server Error" }]);
    await waitFor("the stack in the function's log", () => logs.some((l) => l.includes("broken on purpose") && l.includes(`lambdas/public.ts:${line}:`)));
  }, 60_000);

  test("reloadHandlers pushes every function, changed or not, and resolves when the emulator has them", async () => {
    const mark = reloads.length;
    expect((await dev.reloadHandlers()).sort()).toEqual([privateName, publicName].sort());
    expect(since(mark).sort()).toEqual([privateName, publicName].sort());
  }, 60_000);

  describeWhen(missing("lambda-node-24"))("a function on nodejs24.x", () => {
    /** The dev log's INIT_START lines naming Node `major`, as the local runtime writes them on each cold start. */
    const initStarts = (major: number) => logs.filter((line) => line.includes(`INIT_START Runtime Version: nodejs:${major} (local Node v${major}.`));
    const setRuntime = (runtime: string) =>
      run("aws", ["--endpoint-url", dev.cloud.endpoint, "--region", LOCAL_REGION, "lambda", "update-function-configuration", "--function-name", publicName, "--runtime", runtime], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey },
      });

    afterAll(async () => {
      await setRuntime("nodejs22.x");
    }, 30_000);

    test("runs on Node 24 once its runtime says so, and a reload of its handler keeps it there", async () => {
      cpSync(join(ROOT, "lambdas", "public.ts"), file("public.ts"));
      await waitFor("GET /public to answer again", async () => (await publicBody()) === "Hello stranger!");
      const before = initStarts(24).length;
      // What a deploy with lambdaRuntime nodejs24.x does to the function, through the Lambda API (the AWS CLI).
      await setRuntime("nodejs24.x");
      expect(await publicBody()).toBe("Hello stranger!");
      await waitFor("a cold start on Node 24 in the dev log", () => initStarts(24).length > before);
      // An edit: the reloaded code starts a new process, on the function's runtime's Node again.
      const reloadedOn24 = initStarts(24).length;
      edit("public.ts", "Hello stranger!", "Hello, Node 24 stranger!");
      await waitFor("GET /public to answer the edited greeting", async () => (await publicBody()) === "Hello, Node 24 stranger!");
      await waitFor("the reloaded code's cold start on Node 24", () => initStarts(24).length > reloadedOn24);
    }, 60_000);
  });
});
