/** The local cloud's account: its region and the key pair its own tools sign with (defined beside the app's local target). */
export { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../local-cloud-target";
