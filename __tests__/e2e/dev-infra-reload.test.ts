import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addOpenRoute, copyProject } from "../../tools/bench/project-copy";
import { DevEnvironment, startDev } from "../../tools/local-api/dev-environment";
import { lambdaNodeMissing } from "../../tools/local-api/lambda-node";
import { motoMissing } from "../../tools/local-cloud/moto";
import { terraformMissing } from "../../tools/terraform/terraform";
import { describeWhen } from "../support/requires";

/**
 * Infrastructure edits while `npm run dev` runs, on a copy of the project: a route and handler added to main.ts are
 * deployed (only the diff) and served without a restart, the new handler reloads on edit like the others, and a
 * main.ts that does not compile is reported in one line while the last good deployment keeps serving.
 */
describeWhen(terraformMissing() ?? motoMissing() ?? lambdaNodeMissing())("npm run dev: infrastructure edits redeploy", () => {
  let project: string;
  let dev: DevEnvironment;
  const logs: string[] = [];

  /** The status and body of a GET of the local API. */
  const get = async (path: string) => {
    const response = await fetch(`${dev.api.url}${path}`);
    return { status: response.status, body: await response.text() };
  };

  /** Polls until `check` holds, or fails naming `what` after `ms`. */
  async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 120_000): Promise<void> {
    for (const started = Date.now(); !(await check()); ) {
      if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms; log:\n${logs.join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    project = copyProject("dev-infra-");
    dev = await startDev({ workdir: join(project, ".tfwork", "dev"), projectRoot: project, runningCloud: false, log: (line) => logs.push(line) });
  }, 180_000);

  afterAll(async () => {
    await dev?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  }, 30_000);

  test("a route and handler added to main.ts are served without a restart, and the new handler reloads on edit", async () => {
    expect(await get("/hello")).toMatchObject({ status: 404 });
    addOpenRoute(project, "hello", "Hello, new route!");

    await eventually("GET /hello answers", async () => (await get("/hello")).status === 200);
    expect(await get("/hello")).toEqual({ status: 200, body: "Hello, new route!" });
    expect(await get("/public")).toEqual({ status: 200, body: "Hello stranger!" });
    expect(dev.manifest.api.routes["GET /hello"]).toEqual({ authorizationType: "NONE", function: "api-auth-cognito-dev-hello" });
    expect(logs.filter((line) => line.startsWith("redeployed "))).toEqual([expect.stringMatching(/^redeployed api-auth-cognito-dev in \d+ ms \([1-9]\d* changed\)$/)]);

    // The handler reloader keeps the new function too.
    writeFileSync(join(project, "lambdas", "hello.ts"), readFileSync(join(project, "lambdas", "hello.ts"), "utf8").replace("Hello, new route!", "Hello again!"));
    await eventually("the edited hello handler answers", async () => (await get("/hello")).body === "Hello again!", 30_000);
  }, 240_000);

  test("a main.ts that does not compile: one line, and the last good deployment keeps serving", async () => {
    const before = logs.length;
    const main = readFileSync(join(project, "main.ts"), "utf8");
    writeFileSync(join(project, "main.ts"), `${main}\nconst = ;\n`);
    await eventually("the failed redeploy is reported", () => logs.slice(before).some((line) => line.startsWith("redeploy failed")), 60_000);
    const reported = logs.slice(before).filter((line) => line.startsWith("redeploy failed"));
    expect(reported).toHaveLength(1);
    expect(reported[0]).not.toContain("\n");
    expect(reported[0]).toMatch(/^redeploy failed, the last good deployment keeps serving: synth failed: \S*main\.ts:\d+:\d+: ERROR: /);
    expect(await get("/public")).toEqual({ status: 200, body: "Hello stranger!" });
    expect(await get("/hello")).toEqual({ status: 200, body: "Hello again!" });
  }, 120_000);
});
