import { readFileSync, statSync, utimesSync } from "node:fs";
import { cliConfigFile, terraformEnv } from "../../tools/terraform/terraform";

/**
 * The tools' Terraform CLI configuration is read by every Terraform command of every tool and test file, often while
 * another one calls cliConfigFile(): a current file must be left as it is, never rewritten under a reader.
 */
describe("cliConfigFile", () => {
  test("is the file terraformEnv points Terraform at", () => {
    expect(terraformEnv().TF_CLI_CONFIG_FILE).toBe(cliConfigFile());
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
