import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ALL_STACKS, ROWS, RULES, StackKey } from "../../support/scanner-rules";

/** SECURITY.md's table of scanner rules and the rules __tests__/scanner-rules.test.ts enforces cannot drift apart. */

interface TableRow {
  readonly rule: string;
  readonly scanner: string;
  readonly stacks: string[];
  readonly status: string;
  readonly reason: string;
}

/** The rows of the rule table in SECURITY.md: the table whose header starts with `| Rule |`. */
function securityTable(): TableRow[] {
  const lines = readFileSync(join(__dirname, "..", "..", "..", "SECURITY.md"), "utf8").split("\n");
  const start = lines.findIndex((line) => /^\|\s*Rule\s*\|/i.test(line));
  if (start < 0) throw new Error("SECURITY.md has no table whose header starts with | Rule |");
  const header = cells(lines[start]).map((cell) => cell.toLowerCase());
  const column = (name: string) => {
    const index = header.findIndex((cell) => cell.startsWith(name));
    if (index < 0) throw new Error(`SECURITY.md's rule table has no "${name}" column`);
    return index;
  };
  const [rule, scanner, stacks, status, reason] = ["rule", "scanner", "stacks", "status", "reason"].map(column);
  const rows: TableRow[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const row = cells(line);
    rows.push({
      rule: row[rule].replace(/`/g, ""),
      scanner: row[scanner],
      stacks: row[stacks].split(",").map((stack) => stack.trim()).filter(Boolean),
      status: row[status].replace(/\*/g, ""),
      reason: row[reason] ?? "",
    });
  }
  return rows;
}

function cells(line: string): string[] {
  return line.replace(/^\|/, "").replace(/\|\s*$/, "").split("|").map((cell) => cell.trim());
}

describe("SECURITY.md's rule table", () => {
  const rows = securityTable();
  const pairs = (status: string) => rows.filter((row) => row.status === status).flatMap((row) => row.stacks.map((stack) => `${row.rule} @ ${stack}`));

  test("has one well-formed row per rule: a known scanner, stacks among dev, prod and state, status pass or exception", () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect({ rule: row.rule, scanner: ["checkov", "trivy", "KICS"].includes(row.scanner) }).toEqual({ rule: row.rule, scanner: true });
      expect({ rule: row.rule, stacks: row.stacks.length > 0 && row.stacks.every((stack) => ALL_STACKS.includes(stack as StackKey)) }).toEqual({ rule: row.rule, stacks: true });
      expect({ rule: row.rule, status: row.status }).toEqual({ rule: row.rule, status: expect.stringMatching(/^(pass|exception)$/) });
    }
  });

  test("marks pass exactly the rules (and stacks) this suite enforces", () => {
    const enforced = ROWS.map(([, rule, stack]) => `${rule.id} @ ${stack}`);
    expect(new Set(pairs("pass"))).toEqual(new Set(enforced));
  });

  test("names each enforced rule's scanner as the suite does", () => {
    for (const rule of RULES) {
      const scanners = rows.filter((row) => row.rule === rule.id && row.status === "pass").map((row) => row.scanner);
      expect({ rule: rule.id, scanners: [...new Set(scanners)] }).toEqual({ rule: rule.id, scanners: [rule.scanner] });
    }
  });

  test("gives every exception a reason: its own, or that of the exception it names (\"As AWS-0170.\")", () => {
    const exceptions = rows.filter((r) => r.status === "exception");
    const reference = (reason: string) => /^As `?([\w-]+)`?\.?$/.exec(reason.trim())?.[1];
    const own = (reason: string) => reason.replace(/[\s\-–—.]/g, "").length > 0 && reference(reason) === undefined;
    for (const row of exceptions) {
      const named = reference(row.reason);
      const resolved = named === undefined ? row.reason : (exceptions.find((other) => other.rule === named && own(other.reason))?.reason ?? "");
      expect({ rule: row.rule, hasReason: own(resolved) }).toEqual({ rule: row.rule, hasReason: true });
    }
  });

  test("never marks one rule both pass and exception for the same stack", () => {
    const passing = new Set(pairs("pass"));
    expect(pairs("exception").filter((pair) => passing.has(pair))).toEqual([]);
  });

  test("covers every rule the security review asked about", () => {
    const asked = [
      "CKV_AWS_76", "CKV_AWS_309", "CKV_AWS_50", "CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173", "CKV_AWS_272", "CKV_AWS_363",
      "CKV_AWS_301", "CKV_AWS_364", "CKV_AWS_366", "CKV_AWS_66", "CKV_AWS_338", "CKV_AWS_158", "CKV_AWS_60", "CKV_AWS_61", "CKV_AWS_62",
      "CKV_AWS_63", "CKV_AWS_355", "CKV_AWS_18", "CKV_AWS_19", "CKV_AWS_21", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56",
      "CKV_AWS_144", "CKV_AWS_145", "CKV_AWS_300", "CKV2_AWS_6", "CKV2_AWS_61", "CKV2_AWS_62", "CKV2_AWS_65", "AWS-0001", "AWS-0066",
      "AWS-0067", "AWS-0017", "AWS-0086", "AWS-0087", "AWS-0088", "AWS-0089", "AWS-0090", "AWS-0091", "AWS-0092", "AWS-0093", "AWS-0094",
      "AWS-0132", "public_lambda_via_api_gateway", "cognito_userpool_without_mfa", "api_gateway_v2_stage_access_logging_settings_not_defined",
      "api_gateway_access_logging_disabled",
    ];
    const listed = new Set(rows.map((row) => row.rule));
    expect(asked.filter((id) => !listed.has(id))).toEqual([]);
  });
});

