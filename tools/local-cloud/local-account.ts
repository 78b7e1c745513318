/** The local cloud's account: its region and the key pair its own tools sign with (defined beside the app's local target). */
export { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local-cloud-target";

/** The account of the local key pair: moto's default account, which it gives every key that is not itself an account id. */
export const LOCAL_ACCOUNT_ID = "123456789012";
