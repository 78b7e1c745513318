import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { StateBucket, StateBucketProps } from "../../../constructs/state-bucket";
import { ValidationError } from "../../../constructs/validation";
import { bodyOf, policyStatements, ref } from "../../support/synthesized";

function synthBucket(props: Partial<StateBucketProps> = {}): { bucket: StateBucket; synth: string } {
  let bucket!: StateBucket;
  const synth = Testing.synthScope((scope) => {
    bucket = new StateBucket(scope, "State", { bucketName: "acme-terraform-state", ...props });
  });
  return { bucket, synth };
}

describe("StateBucket defaults", () => {
  const { bucket, synth } = synthBucket();
  const id = ref(bucket.resources.bucket, "id");

  test("the bucket is protected from terraform destroy", () => {
    expect(synth).toHaveResourceWithProperties(S3Bucket, { bucket: "acme-terraform-state", lifecycle: { prevent_destroy: true } });
  });

  test("versioned, so every state write can be rolled back", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketVersioningA, { bucket: id, versioning_configuration: { status: "Enabled" } });
  });

  test("encrypted at rest by default", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      bucket: id,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" }, bucket_key_enabled: true }],
    });
  });

  test("all four public-access blocks, and ACLs disabled", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      bucket: id,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(synth).toHaveResourceWithProperties(S3BucketOwnershipControls, { bucket: id, rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  test("a bucket policy that refuses every request not made over TLS", () => {
    const arn = ref(bucket.resources.bucket, "arn");
    expect(policyStatements(synth, bodyOf(synth, bucket.resources.policy).policy)).toEqual([
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:*"],
        resources: [arn, `${arn}/*`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ]);
  });

  test("its settings are applied one after another, as S3 refuses concurrent changes of a bucket (409 OperationAborted)", () => {
    const { versioning, encryption, publicAccessBlock, ownershipControls, policy, lifecycle } = bucket.resources;
    const chain = [versioning, encryption, publicAccessBlock, ownershipControls, policy, lifecycle];
    expect(bodyOf(synth, versioning).depends_on).toBeUndefined();
    for (let i = 1; i < chain.length; i++) {
      expect(bodyOf(synth, chain[i]).depends_on).toEqual([`${chain[i - 1].terraformResourceType}.${chain[i - 1].friendlyUniqueId}`]);
    }
  });

  test("old state versions expire after 90 days, then their delete markers (the lock files'), stale multipart uploads after 7", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      bucket: id,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          filter: [{}],
          noncurrent_version_expiration: [{ noncurrent_days: 90 }],
          expiration: [{ expired_object_delete_marker: true }],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
      ],
    });
  });
});

describe("StateBucket options and validation", () => {
  test("noncurrentVersionExpirationDays", () => {
    expect(synthBucket({ noncurrentVersionExpirationDays: 365 }).synth).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: [expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 365 }] })],
    });
  });

  test.each([
    [{ bucketName: "Acme_State" }, 'invalid state bucket "Acme_State": it may hold only lowercase letters, digits, dots and hyphens'],
    [{ bucketName: "" }, 'invalid state bucket "": it must be 3 to 63 characters long'],
    [{ noncurrentVersionExpirationDays: 0 }, "invalid noncurrent version expiration (days) 0: expected a whole number from 1 to 3650"],
  ])("rejects %j", (props, message) => {
    expect(() => synthBucket(props)).toThrow(message);
  });
});

describe("StateBucket escape hatches", () => {
  test("settings the construct does not derive pass through to each resource", () => {
    const { bucket, synth } = synthBucket({
      cdk: {
        bucket: { forceDestroy: false, tags: { Team: "platform" } },
        versioning: { expectedBucketOwner: "123456789012" },
        encryption: { rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
        lifecycle: { expectedBucketOwner: "123456789012" },
      },
    });
    expect(bodyOf(synth, bucket.resources.bucket)).toMatchObject({
      bucket: "acme-terraform-state",
      force_destroy: false,
      tags: { Team: "platform" },
      lifecycle: { prevent_destroy: true },
    });
    expect(bodyOf(synth, bucket.resources.versioning)).toMatchObject({ expected_bucket_owner: "123456789012", versioning_configuration: { status: "Enabled" } });
    expect(bodyOf(synth, bucket.resources.encryption).rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" }, bucket_key_enabled: true },
    ]);
    expect(bodyOf(synth, bucket.resources.lifecycle)).toMatchObject({ expected_bucket_owner: "123456789012" });
  });

  const derived = (key: string, prop: string) => `cannot set cdk.${key}: the construct derives it from ${prop}; set ${prop} instead`;
  test.each([
    [{ bucket: { bucket: "other-state" } }, derived("bucket.bucket", "bucketName")],
    [{ bucket: { bucketPrefix: "state-" } }, derived("bucket.bucketPrefix", "bucketName")],
    [
      { bucket: { lifecycle: { preventDestroy: false } } },
      "cannot set cdk.bucket.lifecycle: the construct fixes it to { preventDestroy: true }; it keeps terraform destroy from deleting the state of every stage",
    ],
    [{ versioning: { bucket: "other" } }, derived("versioning.bucket", "bucketName")],
    [
      { versioning: { versioningConfiguration: { status: "Suspended" } } },
      "cannot set cdk.versioning.versioningConfiguration: the construct fixes it to Enabled; state versions are what noncurrentVersionExpirationDays expires and what a rollback restores",
    ],
    [{ encryption: { bucket: "other" } }, derived("encryption.bucket", "bucketName")],
    [{ lifecycle: { bucket: "other" } }, derived("lifecycle.bucket", "bucketName")],
    [{ lifecycle: { rule: [] } }, derived("lifecycle.rule", "noncurrentVersionExpirationDays")],
  ] as Array<[StateBucketProps["cdk"], string]>)("refuses %j, naming the prop to set instead", (cdk, message) => {
    expect(() => synthBucket({ cdk })).toThrow(ValidationError);
    expect(() => synthBucket({ cdk })).toThrow(message);
  });
});
