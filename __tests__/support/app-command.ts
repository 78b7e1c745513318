import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

/** The app as cdktf runs it: cdktf.json's `app`, as a shell command in the project directory (`[command, ...args]`). */
export const APP_COMMAND: readonly string[] = ["/bin/sh", "-c", (JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")) as { app: string }).app];
