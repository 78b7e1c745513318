import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { standInForArchives } from "../tools/terraform/archive-stand-in";
import { synthesize, SynthesizedStack } from "../tools/terraform/synthesize";

describe("the archive provider stand-in", () => {
  let scratch: string;
  let json: SynthesizedStack;
  let hcl: SynthesizedStack;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "archive-stand-in-"));
    json = synthesize(join(scratch, "json"))[0];
    hcl = synthesize(join(scratch, "hcl"), { hcl: true })[0];
  }, 30_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** A fresh copy of a synthesized stack, as the harness makes before standing in. */
  const copy = (stack: SynthesizedStack, name: string) => {
    const dir = join(scratch, name);
    cpSync(stack.dir, dir, { recursive: true });
    return dir;
  };

  test("JSON: replaces each archive_file with a zip of its bundle and the zip's real hash", () => {
    const dir = copy(json, "json-copy");
    const original = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
    const archives = original.data.archive_file as Record<string, { source_dir: string; output_path: string }>;
    expect(standInForArchives(dir).sort()).toEqual(Object.keys(archives).sort());

    const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
    expect(config.data?.archive_file).toBeUndefined();
    expect(config.provider.archive).toBeUndefined();
    expect(config.terraform.required_providers.archive).toBeUndefined();
    expect(JSON.stringify(config)).not.toContain("archive_file");

    for (const fn of Object.values(config.resource.aws_lambda_function) as Array<Record<string, string>>) {
      const archive = Object.values(archives).find((a) => a.output_path === fn.filename)!;
      const zip = readFileSync(join(dir, fn.filename));
      expect(fn.source_code_hash).toBe(createHash("sha256").update(zip).digest("base64"));
      const entries = unzipSync(zip);
      expect(Object.keys(entries)).toEqual(["index.js", "index.js.map"]);
      expect(Buffer.from(entries["index.js"]).toString()).toBe(readFileSync(join(dir, archive.source_dir, "index.js"), "utf8"));
    }
  });

  test("the same bundle gives the same zip bytes, so hashes only change with the code", () => {
    const first = copy(json, "first");
    const second = copy(json, "second");
    standInForArchives(first);
    standInForArchives(second);
    expect(readFileSync(join(first, "cdk.tf.json"), "utf8")).toBe(readFileSync(join(second, "cdk.tf.json"), "utf8"));
  });

  test("HCL: removes the data blocks and the provider, and writes the values into the references", () => {
    const dir = copy(hcl, "hcl-copy");
    expect(standInForArchives(dir)).toHaveLength(2);
    const text = readFileSync(join(dir, "cdk.tf"), "utf8");
    expect(text).not.toMatch(/archive_file|provider "archive"|hashicorp\/archive/);
    const hashes = [...text.matchAll(/^source_code_hash = "([^"]+)"$/gm)].map((m) => m[1]);
    const files = [...text.matchAll(/^filename = "([^"]+)"$/gm)].map((m) => m[1]);
    expect(hashes).toHaveLength(2);
    files.forEach((file, index) => {
      expect(existsSync(join(dir, file))).toBe(true);
      expect(hashes[index]).toBe(createHash("sha256").update(readFileSync(join(dir, file))).digest("base64"));
    });
  });
});
