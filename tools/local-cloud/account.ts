/**
 * The local cloud's account: its region, the documented key pair its own tools (Terraform, the local API) sign with,
 * and the account id moto gives that key pair. The app's local target (app/contract/local-target.ts) points at it.
 */

/** The region of the local cloud. */
export const LOCAL_REGION = "us-east-1";

/** The documented key pair the local cloud's own tools (Terraform, the local API) sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const;

/** The account of the local key pair: moto's default account, which it gives every key that is not itself an account id. */
export const LOCAL_ACCOUNT_ID = "123456789012";
