import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket, S3BucketConfig } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationConfig } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import {
  S3BucketServerSideEncryptionConfigurationA,
  S3BucketServerSideEncryptionConfigurationAConfig,
} from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA, S3BucketVersioningAConfig } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { refuseOverrides, Refusals } from "./overrides";
import { assertBucketName, assertIntegerInRange } from "./validation";

/** Properties of a {@link StateBucket}. */
export interface StateBucketProps {
  /** Name of the bucket; S3 bucket names are global, so pick one no other account has. */
  readonly bucketName: string;
  /** Days an overwritten or deleted state version is kept before S3 expires it, from 1 to 3650. @default 90 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Settings for the bucket and its configuration resources that override ours: the escape hatch. @default none */
  readonly cdk?: StateBucketOverrides;
}

/**
 * Settings passed through to the bucket and its configuration resources, over the construct's own: the escape hatch.
 *
 * Keys the construct validates or derives from its props are refused with a {@link ValidationError} naming the prop
 * to set instead, and so is `bucket` on every configuration resource (it is always this construct's bucket); every
 * other key passes through. The public-access block, the ownership controls and the TLS-only bucket policy have no
 * escape hatch: they have no settings besides the hardening itself (use `resources` to reach them).
 */
export interface StateBucketOverrides {
  /**
   * Settings of the `aws_s3_bucket`. Refused: `bucket` and `bucketPrefix` (set `bucketName`), and `lifecycle`
   * (always `prevent_destroy`).
   */
  readonly bucket?: Partial<S3BucketConfig>;
  /** Settings of the `aws_s3_bucket_versioning`. Refused: `bucket`, and `versioningConfiguration` (always `Enabled`). */
  readonly versioning?: Partial<S3BucketVersioningAConfig>;
  /** Settings of the `aws_s3_bucket_server_side_encryption_configuration`, e.g. a KMS `rule`. Refused: `bucket`. */
  readonly encryption?: Partial<S3BucketServerSideEncryptionConfigurationAConfig>;
  /** Settings of the `aws_s3_bucket_lifecycle_configuration`. Refused: `bucket`, and `rule` (set `noncurrentVersionExpirationDays`). */
  readonly lifecycle?: Partial<S3BucketLifecycleConfigurationConfig>;
}

/** What `cdk.bucket` may not set. */
const BUCKET_REFUSALS: Refusals<S3BucketConfig> = {
  bucket: "bucketName",
  bucketPrefix: "bucketName",
  lifecycle: { fixed: "{ preventDestroy: true }", instead: "it keeps terraform destroy from deleting the state of every stage" },
};

/** What no escape hatch of a configuration resource may set: which bucket it configures. */
const OF_THE_BUCKET = { bucket: "bucketName" } as const;

/** The Terraform resources a {@link StateBucket} defines. */
export interface StateBucketResources {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioningA;
  readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  readonly ownershipControls: S3BucketOwnershipControls;
  readonly policy: S3BucketPolicy;
  readonly lifecycle: S3BucketLifecycleConfiguration;
}

/**
 * An S3 bucket for Terraform state: versioned (every state write can be rolled back), encrypted, private (all four
 * public-access blocks, ACLs disabled), reachable over TLS only, old versions expired after a while, and protected
 * from `terraform destroy` by `prevent_destroy`.
 */
export class StateBucket extends Construct {
  /** Name of the bucket. */
  readonly bucketName: string;
  /** ARN of the bucket. */
  readonly bucketArn: string;
  /** The underlying Terraform resources. */
  readonly resources: StateBucketResources;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? 90;
    assertBucketName(props.bucketName, "state bucket");
    assertIntegerInRange(noncurrentDays, 1, 3650, "noncurrent version expiration (days)");
    const cdk = props.cdk ?? {};
    refuseOverrides("cdk.bucket", cdk.bucket, BUCKET_REFUSALS);
    refuseOverrides("cdk.versioning", cdk.versioning, {
      ...OF_THE_BUCKET,
      versioningConfiguration: { fixed: "Enabled", instead: "state versions are what noncurrentVersionExpirationDays expires and what a rollback restores" },
    });
    refuseOverrides("cdk.encryption", cdk.encryption, OF_THE_BUCKET);
    refuseOverrides("cdk.lifecycle", cdk.lifecycle, { ...OF_THE_BUCKET, rule: "noncurrentVersionExpirationDays" });

    const bucket = new S3Bucket(this, "Bucket", { bucket: props.bucketName, lifecycle: { preventDestroy: true }, ...cdk.bucket });
    const versioning = new S3BucketVersioningA(this, "Versioning", {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
      ...cdk.versioning,
    });
    // S3 answers 409 OperationAborted to concurrent changes of one bucket's settings, and the provider's retries can
    // run out: each setting waits for the one before it.
    const encryption = new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: bucket.id,
      dependsOn: [versioning],
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
      ...cdk.encryption,
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket: bucket.id,
      dependsOn: [encryption],
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const ownershipControls = new S3BucketOwnershipControls(this, "OwnershipControls", {
      bucket: bucket.id,
      dependsOn: [publicAccessBlock],
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    const tlsOnly = new DataAwsIamPolicyDocument(this, "TlsOnlyPolicy", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:*"],
          resources: [bucket.arn, `${bucket.arn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    const policy = new S3BucketPolicy(this, "Policy", { bucket: bucket.id, policy: tlsOnly.json, dependsOn: [ownershipControls] });
    const lifecycle = new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays }],
          // Every plan and apply writes and deletes <key>.tflock: once its versions expire, its delete marker goes too.
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
      // Last in the chain, after versioning: rules on an unversioned bucket would not see noncurrent versions.
      dependsOn: [policy],
      ...cdk.lifecycle,
    });

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.resources = { bucket, versioning, encryption, publicAccessBlock, ownershipControls, policy, lifecycle };
  }
}
