import { planText } from "../../../../tools/terraform/plan";

/** The plan for review, taken from what `terraform plan -out` prints (as `terraform show` would print it). */
describe("planText", () => {
  const body = [
    "Terraform used the selected providers to generate the following execution",
    "plan. Resource actions are indicated with the following symbols:",
    "  + create",
    "",
    "Terraform will perform the following actions:",
    "",
    "  # aws_iam_role.x will be created",
    "  + resource \"aws_iam_role\" \"x\" {",
    "    }",
    "",
    "Plan: 1 to add, 0 to change, 0 to destroy.",
  ];

  test("drops the reading and refreshing lines before the plan and the note on the saved file after it", () => {
    const printed = [
      "data.aws_iam_policy_document.trust: Reading...",
      "data.aws_iam_policy_document.trust: Read complete after 0s [id=2690255455]",
      "aws_iam_role.y: Refreshing state... [id=y]",
      "aws_s3_object.z: Still refreshing... [10s elapsed]",
      "",
      ...body,
      "",
      "─────────────────────────────────────────────────────────────────────────────",
      "",
      "Saved the plan to: tfplan",
      "",
      "To perform exactly these actions, run the following command to apply:",
      '    terraform apply "tfplan"',
      "",
    ].join("\n");
    expect(planText(printed)).toBe(`${body.join("\n")}\n`);
  });

  test("a plan with nothing to do, and one with warnings after it, keep what Terraform said", () => {
    expect(planText("aws_iam_role.y: Refreshing state... [id=y]\n\nNo changes. Your infrastructure matches the configuration.\n")).toBe(
      "No changes. Your infrastructure matches the configuration.\n",
    );
    const warned = [...body, "", "Warning: Argument is deprecated", "", "  with aws_iam_role.x,"].join("\n");
    expect(planText(`${warned}\n`)).toBe(`${warned}\n`);
  });
});
