import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { functionCodeFromS3 } from "../../../../tools/terraform/function-code-from-s3";

/** The local deploy's rewrite of functions that upload a file into functions that read an object (Terraform JSON). */
describe("functionCodeFromS3", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "code-from-s3-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (config: object) => writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(config));
  const read = () => JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));

  test("a function with a file gets an object uploaded from that file, keyed by stack and resource, and reads it", () => {
    const fn = { function_name: "app-dev-public", filename: "assets/Public/abc.zip", source_code_hash: "HASH=", role: "${aws_iam_role.r.arn}", depends_on: ["aws_iam_role_policy.p"] };
    write({ resource: { aws_lambda_function: { Public: fn } } });
    expect(functionCodeFromS3(dir, "state-bucket", "app-dev")).toEqual(["Public"]);
    const { resource } = read();
    expect(resource.aws_s3_object.Public_code).toEqual({ bucket: "state-bucket", key: "lambda-code/app-dev/Public.zip", source: "assets/Public/abc.zip", source_hash: "HASH=" });
    expect(resource.aws_lambda_function.Public).toEqual({
      function_name: "app-dev-public",
      source_code_hash: "HASH=",
      role: "${aws_iam_role.r.arn}",
      depends_on: ["aws_iam_role_policy.p"],
      s3_bucket: "${aws_s3_object.Public_code.bucket}",
      s3_key: "${aws_s3_object.Public_code.key}",
    });
  });

  test("without a source_code_hash, the object is re-uploaded when the file's hash changes; a provider alias is kept on both", () => {
    write({ resource: { aws_lambda_function: { Fn: { filename: "${data.archive_file.Zip.output_path}", provider: "aws.east" } } } });
    functionCodeFromS3(dir, "b", "s");
    const { resource } = read();
    expect(resource.aws_s3_object.Fn_code).toMatchObject({ source: "${data.archive_file.Zip.output_path}", source_hash: "${filebase64sha256(data.archive_file.Zip.output_path)}", provider: "aws.east" });
    expect(resource.aws_lambda_function.Fn).toEqual({ provider: "aws.east", s3_bucket: "${aws_s3_object.Fn_code.bucket}", s3_key: "${aws_s3_object.Fn_code.key}" });
  });

  test("functions that already read S3 or an image, and stacks without functions, are left as they are", () => {
    const config = { resource: { aws_lambda_function: { S3: { s3_bucket: "x", s3_key: "y" }, Image: { image_uri: "repo:tag" } } } };
    write(config);
    expect(functionCodeFromS3(dir, "b", "s")).toEqual([]);
    expect(read()).toEqual(config);
    write({ output: {} });
    expect(functionCodeFromS3(dir, "b", "s")).toEqual([]);
    expect(read()).toEqual({ output: {} });
  });
});
