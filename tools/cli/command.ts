import { parseArgs } from "node:util";
import { oneLine, quoted, ValidationError } from "../../constructs/validation";
import { paint, showProgress } from "./terminal";

/** Commands name a user's values in their messages through this (see constructs/validation.ts). */
export { quoted };

// Plain JavaScript shared with the app runner (run-app.cjs).
const { nodeTooOld } = require("./node-version.cjs") as { nodeTooOld: (version?: string) => string | undefined };

/** One `--option` of a command. */
export interface CommandOption {
  readonly type: "boolean" | "string";
  /** What it does, for `--help`. */
  readonly description: string;
  /** The value's placeholder in `--help`, for string options. @default "VALUE" */
  readonly valueName?: string;
}

/** A command behind `npm run <x>`: its usage, options and what it runs. */
export interface Command {
  /** How to call it, e.g. `npm run plan -- <stage>... [--remote]`. */
  readonly usage: string;
  /** What it does, one paragraph, for `--help`. */
  readonly description: string;
  readonly options?: Readonly<Record<string, CommandOption>>;
  /** The positional arguments it takes: how many, and what each is called in messages. @default none */
  readonly arguments?: { readonly name: string; readonly min: number; readonly max: number };
  /** Examples for `--help`. */
  readonly examples?: readonly string[];
  /** Runs the command with parsed options and positional arguments; resolves to the exit code. */
  run(options: Readonly<Record<string, string | boolean | undefined>>, positionals: readonly string[]): Promise<number>;
}

/** The `--help` text of a command. */
export function helpText(command: Command): string {
  const options = { ...command.options, help: { type: "boolean", description: "show this help and exit" } as CommandOption };
  const rows = Object.entries(options).map(([name, option]) => {
    const flag = option.type === "string" ? `--${name} ${option.valueName ?? "VALUE"}` : `--${name}`;
    return `  ${flag.padEnd(24)} ${option.description}`;
  });
  const examples = command.examples?.length ? ["", "Examples:", ...command.examples.map((e) => `  ${e}`)] : [];
  return [`Usage: ${command.usage}`, "", command.description, "", "Options:", ...rows, ...examples, ""].join("\n");
}

/**
 * Parses `argv` for `command` and runs it. `--help` prints the usage on stdout and exits 0 before any work; an unknown
 * option or a bad value is one line on stderr and exit 2; an error thrown by the command is one line
 * `Error: <message>` and exit 1, never a stack trace.
 */
export async function execute(command: Command, argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    const known = Object.keys({ ...command.options, help: true }).map((name) => `--${name}`).join(", ");
    process.stderr.write(`${paint("red", "Error:")} ${oneLine(message)}: expected ${known} (usage: ${command.usage})\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(command));
    return 0;
  }
  try {
    checkArguments(command, parsed.positionals);
    showProgress();
    return await command.run(parsed.values, parsed.positionals);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    process.stderr.write(`${paint("red", "Error:")} ${oneLine(error.message)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** A command called with the wrong arguments: exit 2, like an unknown option. */
export class UsageError extends ValidationError {}

/** Throws a {@link UsageError} unless `positionals` are as many as the command takes. */
function checkArguments(command: Command, positionals: readonly string[]): void {
  const { name, min, max } = command.arguments ?? { name: "argument", min: 0, max: 0 };
  const usage = `(usage: ${command.usage})`;
  if (positionals.length < min) throw new UsageError(`no ${name} given ${usage}`);
  if (positionals.length <= max) return;
  const extra = max === 0 ? `unexpected argument ${quoted(positionals[0])}` : `too many arguments: expected at most ${max} ${name}, got ${positionals.map(quoted).join(" ")}`;
  throw new UsageError(`${extra} ${usage}`);
}

/**
 * Runs `command` with the process's arguments when `module` is the program, and exits with its code. On a Node older
 * than package.json's `engines.node`, it says so in one line and exits 1 before any work.
 */
export function runCommand(module: NodeModule, command: Command): void {
  if (require.main !== module) return;
  const tooOld = nodeTooOld();
  if (tooOld) {
    process.stderr.write(`${paint("red", "Error:")} ${tooOld}\n`);
    process.exit(1);
  }
  execute(command, process.argv.slice(2)).then((code) => process.exit(code));
}
