import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { constructReference, REFERENCE_FILE } from "../docs/construct-reference";

/** `npm run docs`: writes the construct library's reference from its TSDoc; `--check` only says whether it is current. */

const USAGE = `Usage: npm run docs [-- --check]

Writes ${REFERENCE_FILE}, the reference of constructs/ generated from its TSDoc.

Options:
  --check   write nothing; exit 1 if ${REFERENCE_FILE} differs from what the TSDoc generates
  --help    print this message`;

const OPTIONS = { check: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;

/** Runs the command with `args` on the project at `root`; returns its exit code. */
export function main(args: string[], root = join(__dirname, "..", ".."), generate: (root: string) => string = constructReference): number {
  const { values, tokens } = parseArgs({ args, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === "option" && !(token.name in OPTIONS)) return fail(`unknown option ${token.rawName}`);
    if (token.kind === "option" && token.value !== undefined) return fail(`option ${token.rawName} takes no value`);
    if (token.kind === "positional") return fail(`unexpected argument "${token.value}"`);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const file = join(root, REFERENCE_FILE);
  const generated = generate(root);
  if (values.check) {
    let committed: string | undefined;
    try {
      committed = readFileSync(file, "utf8");
    } catch {
      committed = undefined;
    }
    if (committed === generated) return 0;
    console.error(`${REFERENCE_FILE} is out of date with the TSDoc of constructs/: run npm run docs`);
    return 1;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, generated);
  console.log(`wrote ${REFERENCE_FILE}`);
  return 0;
}

function fail(message: string): number {
  console.error(`Error: ${message}`);
  return 2;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
