import { hostname } from "node:os";
import { DeleteObjectCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { heldLockMessage, releasedLockMessage, releaseStaleLock, StateLockInfo } from "../../../../tools/terraform/state-lock";

/** A state bucket in memory, answering the two calls state-lock.ts makes, as S3 does. */
function bucket(objects: Record<string, string>) {
  const s3 = {
    async send(command: GetObjectCommand | DeleteObjectCommand) {
      const key = command.input.Key!;
      if (command instanceof DeleteObjectCommand) {
        delete objects[key];
        return {};
      }
      if (!(key in objects)) throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" });
      return { Body: { transformToString: async () => objects[key] } };
    },
  } as unknown as S3Client;
  return { s3, bucket: "state", key: `probe/state-lock-unit-${process.pid}/terraform.tfstate` };
}

const lock = (who: string): StateLockInfo => ({ ID: "5e3a1c2b-0000-4000-8000-000000000001", Operation: "OperationTypeApply", Who: who, Created: "2026-12-07T10:00:00Z" });

/**
 * When a state lock may be released (state-lock.ts): only when it was taken on this host and no Terraform of this host
 * works on that state; the line says which lock and why. Whether a Terraform works on the state is read from /proc
 * (terraform-processes.ts): no Terraform of this test's process works on the made-up state key used here.
 */
describe("releaseStaleLock", () => {
  test("no lock: free, nothing deleted", async () => {
    const location = bucket({});
    expect(await releaseStaleLock(location)).toEqual({ state: "free" });
  });

  test("a lock taken on this host whose terraform is gone is released, and the line says which and why", async () => {
    const objects = { [`probe/state-lock-unit-${process.pid}/terraform.tfstate.tflock`]: JSON.stringify(lock(`someone@${hostname()}`)) };
    const location = bucket(objects);
    const check = await releaseStaleLock(location);
    expect(check).toEqual({ state: "released", lock: lock(`someone@${hostname()}`) });
    expect(objects).toEqual({});
    expect(releasedLockMessage(location.key, lock(`someone@${hostname()}`))).toBe(
      `released the state lock 5e3a1c2b-0000-4000-8000-000000000001 of ${location.key} (apply by someone@${hostname()} since 2026-12-07T10:00:00Z): its terraform is gone, no terraform process on this host works on that state`,
    );
  });

  test("a lock taken on another host is never released: one line naming where, and force-unlock in a given working directory", async () => {
    const taken = { [`probe/state-lock-unit-${process.pid}/terraform.tfstate.tflock`]: JSON.stringify(lock("ci@runner-7")) };
    const location = bucket(taken);
    const check = await releaseStaleLock(location);
    expect(check.state).toBe("unknown");
    expect(Object.keys(taken)).toHaveLength(1);
    if (check.state !== "unknown") return;
    expect(heldLockMessage("probe", check, "/work/probe")).toBe(
      `the state of probe is locked (apply by ci@runner-7 since 2026-12-07T10:00:00Z), taken on runner-7, not on this host (${hostname()}): if no deploy of it is running there, release it with: terraform -chdir=/work/probe force-unlock -force 5e3a1c2b-0000-4000-8000-000000000001`,
    );
  });
});
