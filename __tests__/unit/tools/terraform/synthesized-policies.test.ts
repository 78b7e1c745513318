import { planSummary } from "../../../../tools/terraform/plan-summary";
import {
  documentStatements,
  policyDocumentId,
  referencedPolicy,
  referencedRole,
  referencedStatements,
  roleId,
  SynthesizedStack,
  unrenderedKeys,
} from "../../../../tools/terraform/synthesized-policies";

/** The one reader of IAM references in synthesized JSON, which the plan summary and the tests share. */
const STATEMENT = { effect: "Allow", actions: ["s3:GetObject"], resources: ["${aws_s3_bucket.B.arn}/*"] };
const STACK: SynthesizedStack = {
  resource: {
    aws_iam_role: { R: { name: "reader", assume_role_policy: "${data.aws_iam_policy_document.Trust.json}" } },
    aws_iam_role_policy: { P: { name: "read", role: "${aws_iam_role.R.id}", policy: "${data.aws_iam_policy_document.Read.json}" } },
  },
  data: {
    aws_iam_policy_document: {
      Read: { "//": { metadata: {} }, statement: [STATEMENT] },
      Trust: { statement: { actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }] } },
      Merged: { override_policy_documents: ["{}"], statement: [{ ...STATEMENT, sid: "S", not_principals: [], version: "x" }] },
    },
  },
};

test("a ${data.aws_iam_policy_document.X.json} reference leads to the statements of X, and to the IAM JSON they render", () => {
  expect(policyDocumentId("${data.aws_iam_policy_document.Read.json}")).toBe("Read");
  expect(referencedStatements(STACK, "${data.aws_iam_policy_document.Read.json}")).toBe(STACK.data!.aws_iam_policy_document.Read.statement);
  expect(referencedPolicy(STACK, "${data.aws_iam_policy_document.Read.json}")).toEqual({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["${aws_s3_bucket.B.arn}/*"] }],
  });
});

test("a single statement block counts as a list of one, a missing one as none", () => {
  expect(referencedStatements(STACK, "${data.aws_iam_policy_document.Trust.json}")).toHaveLength(1);
  expect(documentStatements({})).toEqual([]);
});

test("anything else is no policy document reference: other attributes, other data sources, missing ids, literals", () => {
  for (const reference of [
    "${data.aws_iam_policy_document.Read.id}",
    "${data.aws_region.Read.json}",
    "${data.aws_iam_policy_document.Missing.json}",
    "prefix ${data.aws_iam_policy_document.Read.json}",
    '{"Version":"2012-10-17"}',
    undefined,
  ]) {
    expect({ reference, policy: referencedPolicy(STACK, reference) }).toEqual({ reference, policy: undefined });
  }
});

test("a role reference leads to the role, through the attributes the caller allows", () => {
  expect(referencedRole(STACK, "${aws_iam_role.R.id}")).toEqual({ id: "R", address: "aws_iam_role.R", body: STACK.resource!.aws_iam_role.R });
  expect(["id", "name", "arn"].map((attribute) => roleId(`\${aws_iam_role.R.${attribute}}`))).toEqual(["R", "R", "R"]);
  expect(roleId("${aws_iam_role.R.arn}", ["id", "name"])).toBeUndefined();
  expect(roleId("${aws_iam_role.R.unique_id}")).toBeUndefined();
  expect(referencedRole(STACK, "${aws_iam_role.Missing.id}")).toBeUndefined();
});

test("the keys iamPolicy() would drop are named, per document and per statement", () => {
  expect(unrenderedKeys(STACK.data!.aws_iam_policy_document.Read)).toEqual({ document: [], statements: [[]] });
  expect(unrenderedKeys(STACK.data!.aws_iam_policy_document.Merged)).toEqual({ document: ["override_policy_documents"], statements: [["version"]] });
});

test("the plan summary prints each trust and inline policy it resolves, and a reference it cannot resolve as written", () => {
  const stack: SynthesizedStack = {
    ...STACK,
    resource: {
      ...STACK.resource,
      aws_iam_role_policy: { ...STACK.resource!.aws_iam_role_policy, Q: { role: "${aws_iam_role.R.arn}", policy: "${data.aws_iam_policy_document.Missing.json}" } },
    },
  };
  const summary = planSummary("s", {}, stack, "Offline plan,");
  expect(summary).toContain("### Role `reader`: trust policy");
  expect(summary).toContain('"Service": [\n          "lambda.amazonaws.com"');
  expect(summary).toContain("### Inline policy `read` of role `reader`\n\n```json\n{\n  \"Version\": \"2012-10-17\"");
  expect(summary).toContain("### Inline policy `Q` of role `${aws_iam_role.R.arn}`\n\n```json\n${data.aws_iam_policy_document.Missing.json}\n```");
});
