import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** The GitHub Actions workflow cannot run here; these tests hold it to its documented shape. */
const ROOT = join(__dirname, "..");
const workflow = parse(readFileSync(join(ROOT, ".github", "workflows", "infrastructure.yml"), "utf8"));
const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts);
type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
const steps = (job: string): Step[] => workflow.jobs[job].steps;
const runs = (job: string) => steps(job).map((step) => step.run ?? "").join("\n");

test("runs on pull requests and on pushes to main", () => {
  expect(workflow.on).toEqual({ pull_request: null, push: { branches: ["main"] } });
  expect(workflow.permissions).toEqual({ contents: "read" });
});

test("pull requests are tested, validated and get each stage's plan summary as a comment", () => {
  expect(runs("test")).toMatch(/npm ci[\s\S]*npm run typecheck[\s\S]*npm test[\s\S]*npm run validate/);
  const plan = workflow.jobs.plan;
  expect(plan.if).toBe("github.event_name == 'pull_request'");
  expect(plan.needs).toBe("test");
  expect(plan.strategy.matrix.stage).toEqual(["dev", "prod"]);
  expect(plan.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
  expect(runs("plan")).toContain("npm run plan -- ${{ matrix.stage }} --remote");
  expect(runs("plan")).toContain('gh pr comment ${{ github.event.pull_request.number }} --body-file "$summary"');
});

test("main deploys dev, then prod behind the prod environment's manual approval", () => {
  const dev = workflow.jobs["deploy-dev"];
  const prod = workflow.jobs["deploy-prod"];
  expect(dev.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
  expect(dev.environment).toBe("dev");
  expect(runs("deploy-dev")).toContain("npx cdktf deploy api-auth-cognito-dev --auto-approve");
  expect(prod.needs).toBe("deploy-dev");
  expect(prod.environment).toBe("prod");
  expect(runs("deploy-prod")).toContain("npx cdktf deploy api-auth-cognito-prod --auto-approve");
});

test("AWS access comes from OIDC roles, never stored keys", () => {
  for (const job of ["plan", "deploy-dev", "deploy-prod"]) {
    expect(workflow.jobs[job].permissions["id-token"]).toBe("write");
    const aws = steps(job).find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials"));
    expect(aws?.with?.["role-to-assume"]).toMatch(/^\$\{\{ vars\.\w+_ROLE_ARN \}\}$/);
  }
  expect(readFileSync(join(ROOT, ".github", "workflows", "infrastructure.yml"), "utf8")).not.toMatch(/aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
});

test("every npm script the workflow runs exists, and every job pins Terraform and Node", () => {
  for (const job of Object.keys(workflow.jobs)) {
    for (const [, script] of runs(job).matchAll(/npm run ([\w:-]+)/g)) expect(scripts).toContain(script);
    const uses = steps(job).map((step) => step.uses);
    expect(uses).toContain("actions/setup-node@v4");
    expect(steps(job).find((step) => step.uses === "hashicorp/setup-terraform@v3")?.with?.terraform_version).toBe("1.11.4");
  }
});
