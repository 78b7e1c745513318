import { Command, execute, helpText, UsageError } from "../../../../tools/cli/command";
import { paint } from "../../../../tools/cli/terminal";

describe("execute", () => {
  const quiet = () => jest.spyOn(process.stderr, "write").mockImplementation(() => true);
  afterEach(() => jest.restoreAllMocks());

  const sample = (run: Command["run"]): Command => ({
    usage: "npm run sample -- <thing>",
    description: "Does a sample thing.",
    options: { fast: { type: "boolean", description: "go fast" }, level: { type: "string", valueName: "N", description: "how far" } },
    arguments: { name: "thing", min: 0, max: 1 },
    examples: ["npm run sample -- x"],
    run,
  });

  test("passes parsed options and positionals to the command and returns its exit code", async () => {
    const seen: unknown[] = [];
    const code = await execute(sample(async (options, positionals) => (seen.push(options, positionals), 3)), ["x", "--fast", "--level", "2"]);
    expect(code).toBe(3);
    expect(seen).toEqual([expect.objectContaining({ fast: true, level: "2" }), ["x"]]);
  });

  test("the help lists every option with its value name, and the examples", () => {
    const help = helpText(sample(async () => 0));
    expect(help.split("\n")[0]).toBe("Usage: npm run sample -- <thing>");
    expect(help).toMatch(/--fast\s+go fast/);
    expect(help).toMatch(/--level N\s+how far/);
    expect(help).toMatch(/--help\s+show this help and exit/);
    expect(help).toContain("Examples:\n  npm run sample -- x");
  });

  test("a usage error exits 2 and any other error exits 1, each as one line without a stack trace", async () => {
    const stderr = quiet();
    expect(await execute(sample(async () => Promise.reject(new UsageError("no thing given"))), [])).toBe(2);
    expect(await execute(sample(async () => Promise.reject(new Error("the emulator is gone"))), [])).toBe(1);
    expect(stderr.mock.calls.map(([text]) => text)).toEqual(["Error: no thing given\n", "Error: the emulator is gone\n"]);
  });

  test("an error or an option that carries a user's control characters is still one line, its controls escaped", async () => {
    const stderr = quiet();
    expect(await execute(sample(async () => Promise.reject(new Error("bad value\nsecond line \u001b]0;title\u0007"))), [])).toBe(1);
    expect(await execute(sample(async () => 0), ["--\u001b[2Jx"])).toBe(2);
    expect(await execute(sample(async () => 0), ["a", "b\nc"])).toBe(2);
    const lines = stderr.mock.calls.map(([text]) => String(text));
    expect(lines[0]).toBe("Error: bad value\\nsecond line \\u001b]0;title\\u0007\n");
    for (const line of lines) expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f]/);
    expect(lines[2]).toContain('"b\\nc"');
  });

  test("positional arguments beyond what the command takes, or too few, are refused with exit 2 before it runs", async () => {
    const stderr = quiet();
    const ran: string[][] = [];
    const takes = sample(async (_options, positionals) => (ran.push([...positionals]), 0));
    const none = { ...takes, arguments: undefined };
    const stage = { ...takes, arguments: { name: "stage", min: 1, max: 1 } };
    expect(await execute(none, ["extra"])).toBe(2);
    expect(await execute(stage, [])).toBe(2);
    expect(await execute(stage, ["dev", "prod"])).toBe(2);
    expect(await execute(stage, ["dev"])).toBe(0);
    expect(ran).toEqual([["dev"]]);
    expect(stderr.mock.calls.map(([text]) => text)).toEqual([
      'Error: unexpected argument "extra" (usage: npm run sample -- <thing>)\n',
      "Error: no stage given (usage: npm run sample -- <thing>)\n",
      'Error: too many arguments: expected at most 1 stage, got "dev" "prod" (usage: npm run sample -- <thing>)\n',
    ]);
  });

  test("an unknown flag is one line on stderr naming it and what is known, exit 2, and the command does not run", async () => {
    const stderr = quiet();
    const run = jest.fn(async () => 0);
    expect(await execute(sample(run), ["--no-such-flag"])).toBe(2);
    expect(run).not.toHaveBeenCalled();
    expect(stderr.mock.calls.map(([text]) => String(text))).toEqual([
      expect.stringMatching(/^Error: Unknown option '--no-such-flag': expected --fast, --level, --help \(usage: npm run sample -- <thing>\)\n$/),
    ]);
  });

  test("a string option without its value is refused with exit 2", async () => {
    const stderr = quiet();
    expect(await execute(sample(async () => 0), ["--level"])).toBe(2);
    expect(String(stderr.mock.calls[0][0])).toMatch(/^Error: Option '--level <value>' argument missing/);
  });
});

describe("colour", () => {
  const terminal = { isTTY: true } as NodeJS.WriteStream;
  const saved = process.env.NO_COLOR;
  afterEach(() => (saved === undefined ? delete process.env.NO_COLOR : (process.env.NO_COLOR = saved)));

  test("only on a terminal, and never with NO_COLOR", () => {
    delete process.env.NO_COLOR;
    expect(paint("red", "x", terminal)).toBe("\u001b[31mx\u001b[39m");
    expect(paint("red", "x", { isTTY: false } as NodeJS.WriteStream)).toBe("x");
    process.env.NO_COLOR = "1";
    expect(paint("red", "x", terminal)).toBe("x");
  });
});
