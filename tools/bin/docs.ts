import { join } from "node:path";
import { Command, runCommand } from "../cli/command";

/** `npm run docs`: writes the construct library's reference from its TSDoc; `--check` only says whether it is current. */
export function docsCommand(root?: string, generate?: (root: string) => string): Command {
  return {
    usage: "npm run docs [-- --check]",
    description: "Writes docs/constructs-reference.md, the reference of constructs/ generated from its TSDoc (props with their defaults, attributes, methods).",
    options: { check: { type: "boolean", description: "write nothing; exit 1 if the committed reference differs from what the TSDoc generates" } },
    async run(options) {
      const { mkdirSync, readFileSync, writeFileSync } = await import("node:fs");
      const { dirname } = await import("node:path");
      const { constructReference, REFERENCE_FILE } = await import("../docs/construct-reference");
      const { PROJECT_ROOT } = await import("../shared/paths");
      const file = join(root ?? PROJECT_ROOT, REFERENCE_FILE);
      const generated = (generate ?? constructReference)(root ?? PROJECT_ROOT);
      if (options.check) {
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
    },
  };
}

runCommand(module, docsCommand());
