import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseFileMode, zipDirectory } from "../shared/zip";

/**
 * Stands in for the archive provider where it cannot be installed (this machine mirrors only hashicorp/aws and
 * has no registry access): builds each `archive_file` zip itself and writes its outputs into the stack's
 * configuration in place of the data source. Works on a scratch copy of a synthesized stack, JSON or HCL.
 */

/** The archive_file data sources of a stack, by name, with their source directory, output path and output_file_mode. */
type Archives = Record<string, { sourceDir: string; outputPath: string; outputFileMode?: string }>;

/** Attributes of archive_file the stand-in can provide, computed from the zip it builds. */
const ATTRIBUTES = ["output_path", "output_base64sha256", "output_sha256", "output_md5", "output_sha", "output_size"] as const;

/** What the tools say when the stand-in built the zips. */
export const ARCHIVE_STAND_IN_NOTE = "the archive provider cannot be installed here; the Lambda zips were built by tools/terraform/archive-stand-in.ts";

/** Replaces every archive_file data source in the stack at `dir`; returns the names replaced. */
export function standInForArchives(dir: string): string[] {
  const jsonFile = join(dir, "cdk.tf.json");
  const hclFile = join(dir, "cdk.tf");
  const isJson = safeExists(jsonFile);
  const file = isJson ? jsonFile : hclFile;
  const text = readFileSync(file, "utf8");
  const archives = isJson ? archivesInJson(text) : archivesInHcl(text);
  let result = isJson ? withoutArchiveProviderJson(text) : withoutArchiveProviderHcl(text, Object.keys(archives));
  for (const [name, { sourceDir, outputPath, outputFileMode }] of Object.entries(archives)) {
    const values = buildZip(join(dir, sourceDir), join(dir, outputPath), outputPath, outputFileMode);
    result = result.replace(new RegExp(`\\$\\{data\\.archive_file\\.${escape(name)}\\.(\\w+)\\}`, "g"), (_match, attribute: string) => {
      if (!(attribute in values)) throw new Error(`the archive stand-in cannot provide archive_file.${attribute}`);
      return values[attribute as keyof typeof values];
    });
  }
  writeFileSync(file, result);
  return Object.keys(archives);
}

/**
 * Zips every file under `sourceDir` the way archive_file does (deflate, sorted paths, one fixed timestamp, the modes
 * of `outputFileMode`, so the same files give the same bytes) and returns the outputs archive_file would report.
 */
function buildZip(sourceDir: string, outputFile: string, outputPath: string, outputFileMode: string | undefined): Record<(typeof ATTRIBUTES)[number], string> {
  const zip = zipDirectory(sourceDir, outputFileMode);
  writeFileSync(outputFile, zip);
  const digest = (algorithm: string, encoding: "hex" | "base64") => createHash(algorithm).update(zip).digest(encoding);
  return {
    output_path: outputPath,
    output_base64sha256: digest("sha256", "base64"),
    output_sha256: digest("sha256", "hex"),
    output_md5: digest("md5", "hex"),
    output_sha: digest("sha1", "hex"),
    output_size: String(zip.length),
  };
}

function archivesInJson(text: string): Archives {
  const config = JSON.parse(text) as { data?: { archive_file?: Record<string, { source_dir?: string; output_path?: string; output_file_mode?: string }> } };
  return Object.fromEntries(
    Object.entries(config.data?.archive_file ?? {}).map(([name, body]) => [name, archiveOf(name, body.source_dir, body.output_path, body.output_file_mode)]),
  );
}

function withoutArchiveProviderJson(text: string): string {
  const config = JSON.parse(text);
  delete config.data?.archive_file;
  if (config.data && Object.keys(config.data).length === 0) delete config.data;
  delete config.provider?.archive;
  delete config.terraform?.required_providers?.archive;
  return JSON.stringify(config, null, 2);
}

/** cdktf writes HCL blocks unindented, each closing with a `}` alone on a line. */
function archivesInHcl(text: string): Archives {
  const archives: Archives = {};
  for (const [, name, body] of text.matchAll(/^data "archive_file" "([^"]+)" \{\n([\s\S]*?)^\}$/gm)) {
    const attribute = (key: string) => new RegExp(`^${key} = "([^"]*)"$`, "m").exec(body)?.[1];
    archives[name] = archiveOf(name, attribute("source_dir"), attribute("output_path"), attribute("output_file_mode"));
  }
  return archives;
}

function withoutArchiveProviderHcl(text: string, names: string[]): string {
  let result = text.replace(/^\s*archive = \{\n[^}]*\}\n/m, "").replace(/^provider "archive" \{\n[^}]*\}\n/m, "");
  for (const name of names) {
    result = result.replace(new RegExp(`^data "archive_file" "${escape(name)}" \\{\\n[\\s\\S]*?^\\}\\n`, "m"), "");
  }
  return result;
}

function archiveOf(name: string, sourceDir: string | undefined, outputPath: string | undefined, outputFileMode: string | undefined) {
  if (!sourceDir || !outputPath) throw new Error(`archive_file.${name}: the stand-in handles source_dir archives only`);
  // Checked here, before any zip is written, so the error names the data source.
  if (outputFileMode !== undefined) {
    try {
      parseFileMode(outputFileMode);
    } catch (error) {
      throw new Error(`archive_file.${name}: ${(error as Error).message}`);
    }
  }
  return { sourceDir, outputPath, outputFileMode };
}

function safeExists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}
