import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The tools' scratch folder moved to a temp folder of this file's own, before the module reads where it is.
const work = mkdtempSync(join(tmpdir(), "terraform-test-"));
process.env.API_AUTH_COGNITO_WORK_DIR = work;
const { cliConfigFile, terraformEnv, terraformError } = require("../../../../tools/terraform/terraform") as typeof import("../../../../tools/terraform/terraform");
const { WORK_ROOT } = require("../../../../tools/shared/paths") as typeof import("../../../../tools/shared/paths");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The tools' Terraform CLI configuration is read by every Terraform command of every tool and test file, often while
 * another one calls cliConfigFile(): a current file must be left as it is, never rewritten under a reader.
 */
describe("cliConfigFile", () => {
  test("is the file terraformEnv points Terraform at, in the tools' scratch folder (API_AUTH_COGNITO_WORK_DIR moves it)", () => {
    expect(WORK_ROOT).toBe(work);
    expect(terraformEnv().TF_CLI_CONFIG_FILE).toBe(cliConfigFile());
    expect(cliConfigFile()).toBe(join(work, "terraform.rc"));
  });

  test("leaves a current file untouched: same inode, same content, same modification time", () => {
    const file = cliConfigFile();
    const past = new Date(Date.now() - 3600_000);
    utimesSync(file, past, past);
    const before = statSync(file);
    const content = readFileSync(file, "utf8");
    expect(cliConfigFile()).toBe(file);
    const after = statSync(file);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(readFileSync(file, "utf8")).toBe(content);
  });
});

describe("terraformEnv", () => {
  test("no telemetry, no prompts, and Go's collector at GOGC=400 unless the caller set GOGC", () => {
    const saved = process.env.GOGC;
    try {
      delete process.env.GOGC;
      expect(terraformEnv()).toMatchObject({ CHECKPOINT_DISABLE: "1", TF_INPUT: "0", TF_IN_AUTOMATION: "1", GOGC: "400" });
      process.env.GOGC = "150";
      expect(terraformEnv().GOGC).toBe("150");
    } finally {
      if (saved === undefined) delete process.env.GOGC;
      else process.env.GOGC = saved;
    }
  });
});

describe("terraformError", () => {
  test("is each Error block's summary with the resource it names, on one line, never the plan printed before it", () => {
    const stderr = [
      "╷",
      "│ Error: creating Lambda Function (probe): operation error Lambda: CreateFunction, StatusCode: 409, ResourceConflictException: Function already exist: probe",
      "│ ",
      "│   with aws_lambda_function.probe,",
      "│   on cdk.tf.json line 40, in resource.aws_lambda_function.probe:",
      "│   40:       },",
      "╵",
      "╷",
      "│ Error: Error acquiring the state lock",
      "│ ",
      "│ Error message: operation error S3: PutObject, https response error StatusCode: 412",
      "╵",
    ].join("\n");
    const message = terraformError({ code: 1, stdout: "Terraform will perform the following actions:\n".repeat(700), stderr });
    expect(message).toBe(
      "creating Lambda Function (probe): operation error Lambda: CreateFunction, StatusCode: 409, ResourceConflictException: Function already exist: probe (aws_lambda_function.probe); Error acquiring the state lock",
    );
  });

  test("without an Error block, the last line Terraform printed on stderr, or that it printed none", () => {
    expect(terraformError({ code: 1, stdout: "", stderr: "one\nthe last line\n\n" })).toBe("the last line");
    expect(terraformError({ code: 1, stdout: "a whole plan", stderr: "" })).toBe("it printed no error (exit code 1)");
  });
});
