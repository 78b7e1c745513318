import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { ARCHIVE_FILE_MODE } from "../../../../constructs/bundle";
import { standInForArchives } from "../../../../tools/terraform/archive-stand-in";
import { synthesize, SynthesizedStack } from "../../../../tools/terraform/synthesize";

const ROOT = join(__dirname, "..", "..", "..", "..");

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

  describe("output_file_mode, with two checkouts of one stack made under different umasks", () => {
    let repo: string;

    beforeAll(() => {
      // The synthesized stack committed once, so each checkout writes its files as git does: 0666 less the umask.
      repo = copy(json, "repo");
      const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: repo });
      git("init", "-q");
      git("add", "-A");
      git("commit", "-q", "-m", "stack");
    });

    /** A clone of the stack made under `umask`; `withoutFileMode` drops output_file_mode from every archive_file. */
    const checkout = (umask: string, name: string, withoutFileMode = false) => {
      const dir = join(scratch, name);
      execFileSync("sh", ["-c", `umask ${umask} && git clone -q "$0" "$1"`, repo, dir]);
      if (withoutFileMode) {
        const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
        for (const archive of Object.values(config.data.archive_file) as Array<Record<string, unknown>>) delete archive.output_file_mode;
        writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(config));
      }
      return dir;
    };

    /** What the stand-in made of a checkout: each function's zip and source_code_hash, by function. */
    const deployed = (dir: string) => {
      standInForArchives(dir);
      const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      return Object.fromEntries(
        Object.entries(config.resource.aws_lambda_function as Record<string, { filename: string; source_code_hash: string }>).map(([name, fn]) => [
          name,
          { zip: readFileSync(join(dir, fn.filename)), hash: fn.source_code_hash },
        ]),
      );
    };

    /** The mode of a bundled file in a checkout, as the umask left it. */
    const bundleFileMode = (dir: string) => {
      const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      const [archive] = Object.values(config.data.archive_file) as Array<{ source_dir: string }>;
      return statSync(join(dir, archive.source_dir, "index.js")).mode & 0o777;
    };

    test("the checkouts' files really have different modes", () => {
      expect(bundleFileMode(checkout("077", "modes-077"))).toBe(0o600);
      expect(bundleFileMode(checkout("002", "modes-002"))).toBe(0o664);
    });

    test(`set (${ARCHIVE_FILE_MODE}, as NodejsFunction sets it): the same zip bytes and source_code_hash from both, every entry -rw-r--r--`, () => {
      const strict = deployed(checkout("077", "set-077"));
      const loose = deployed(checkout("002", "set-002"));
      expect(Object.keys(strict)).toHaveLength(2);
      for (const [name, { zip, hash }] of Object.entries(strict)) {
        expect(zip.equals(loose[name].zip)).toBe(true);
        expect(hash).toBe(loose[name].hash);
        expect(hash).toBe(createHash("sha256").update(zip).digest("base64"));
        expect(entryModes(zip)).toEqual({ "index.js": 0o100644, "index.js.map": 0o100644 });
      }
    });

    test("unset: each entry keeps its file's mode, as the archive provider records it, so the checkouts' zips and hashes differ", () => {
      const strict = deployed(checkout("077", "unset-077", true));
      const loose = deployed(checkout("002", "unset-002", true));
      for (const [name, { zip, hash }] of Object.entries(strict)) {
        expect(zip.equals(loose[name].zip)).toBe(false);
        expect(hash).not.toBe(loose[name].hash);
        expect(entryModes(zip)).toEqual({ "index.js": 0o100600, "index.js.map": 0o100600 });
        expect(entryModes(loose[name].zip)).toEqual({ "index.js": 0o100664, "index.js.map": 0o100664 });
        // Only the modes differ: the same files, byte for byte.
        expect(unzipSync(zip)).toEqual(unzipSync(loose[name].zip));
      }
    });
  });

  test("the same zip bytes in every time zone: the fixed timestamp is 1980-01-01 00:00 wherever the zip is made", () => {
    const [archive] = Object.values(JSON.parse(readFileSync(join(json.dir, "cdk.tf.json"), "utf8")).data.archive_file) as Array<{ source_dir: string }>;
    // A process of its own per zone: the time zone is read when a process starts.
    const script = `const { zipDirectory } = require("./tools/shared/zip");
      process.stdout.write(Buffer.from(zipDirectory(${JSON.stringify(join(json.dir, archive.source_dir))}, "${ARCHIVE_FILE_MODE}")).toString("base64"));`;
    const zipIn = (tz: string) => execFileSync(join(ROOT, "node_modules", ".bin", "tsx"), ["-e", script], { cwd: ROOT, env: { ...process.env, TZ: tz }, encoding: "utf8" });
    const utc = zipIn("UTC");
    expect(utc.length).toBeGreaterThan(0);
    // West of Greenwich a UTC midnight of 1980-01-01 is still 1979 locally, before the first date a zip can hold.
    expect(zipIn("America/Los_Angeles")).toBe(utc);
    expect(zipIn("Asia/Tokyo")).toBe(utc);
  });

  test("HCL: output_file_mode is read from the data block", () => {
    const dir = copy(hcl, "hcl-mode");
    // Files that are not 0644 already, so the zip's modes can only come from output_file_mode.
    for (const [, sourceDir] of readFileSync(join(dir, "cdk.tf"), "utf8").matchAll(/^source_dir = "([^"]+)"$/gm)) {
      for (const file of ["index.js", "index.js.map"]) chmodSync(join(dir, sourceDir, file), 0o600);
    }
    standInForArchives(dir);
    const files = [...readFileSync(join(dir, "cdk.tf"), "utf8").matchAll(/^filename = "([^"]+)"$/gm)].map((m) => m[1]);
    expect(files).toHaveLength(2);
    for (const file of files) expect(entryModes(readFileSync(join(dir, file)))).toEqual({ "index.js": 0o100644, "index.js.map": 0o100644 });
  });

  test.each(["644", "0o644", "0x1a4", "0999", "00644", "rw-r--r--"])("refuses output_file_mode %p, naming the data source and the form it takes", (mode) => {
    const dir = copy(json, `bad-mode-${mode}`);
    const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
    const [name] = Object.keys(config.data.archive_file);
    config.data.archive_file[name].output_file_mode = mode;
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(config));
    expect(() => standInForArchives(dir)).toThrow(`archive_file.${name}: invalid output_file_mode "${mode}": expected an octal mode of a 0 and three digits 0-7, such as "0644"`);
    // Refused before anything is written: no zip, and the stack as it was.
    for (const archive of Object.values(config.data.archive_file) as Array<{ output_path: string }>) expect(existsSync(join(dir, archive.output_path))).toBe(false);
    expect(readFileSync(join(dir, "cdk.tf.json"), "utf8")).toBe(JSON.stringify(config));
  });
});

/** Each entry's Unix mode (st_mode, type bits included) from a zip's central directory, by name. */
function entryModes(zip: Uint8Array): Record<string, number> {
  const bytes = Buffer.from(zip);
  const modes: Record<string, number> = {};
  // The end of central directory record: the last 22 bytes of a zip without a comment.
  const end = bytes.length - 22;
  expect(bytes.readUInt32LE(end)).toBe(0x06054b50);
  let offset = bytes.readUInt32LE(end + 16);
  for (let entry = 0; entry < bytes.readUInt16LE(end + 10); entry++) {
    expect(bytes.readUInt32LE(offset)).toBe(0x02014b50);
    // "Version made by" Unix: only then are the external attributes' high 16 bits a Unix mode.
    expect(bytes[offset + 5]).toBe(3);
    const nameLength = bytes.readUInt16LE(offset + 28);
    const name = bytes.toString("utf8", offset + 46, offset + 46 + nameLength);
    modes[name] = bytes.readUInt32LE(offset + 38) >>> 16;
    offset += 46 + nameLength + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
  }
  return modes;
}
