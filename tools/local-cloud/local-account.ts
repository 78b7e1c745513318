/** The local cloud's account: its region, the key pair its own tools sign with, and where local state lives. */

/** The region of the local cloud. */
export const LOCAL_REGION = "us-east-1";

/** The documented key pair the local cloud's own tools (Terraform, the local API) sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const;
