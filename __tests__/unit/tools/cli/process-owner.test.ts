import { ownerGone, ownerStamp } from "../../../../tools/cli/process-owner";

/** Who left something in a shared folder, and whether a sweep may remove it (process-owner.ts). */
describe("owner stamps", () => {
  /** No process can have this pid: above the largest pid_max Linux allows (2^22). */
  const NO_SUCH_PID = 2 ** 22 + 1;
  const namespace = ownerStamp().split(".")[1];

  test("name this process by its pid, and on Linux its pid namespace", () => {
    expect(ownerStamp()).toMatch(new RegExp(`^${process.pid}(\\.\\d+)?$`));
    if (process.platform === "linux") expect(namespace).toMatch(/^\d+$/);
  });

  test("a live owner is never gone; one that ended, of this namespace, is", () => {
    expect(ownerGone(ownerStamp())).toBe(false);
    expect(ownerGone([NO_SUCH_PID, namespace].filter(Boolean).join("."))).toBe(true);
  });

  test("an owner of another pid namespace is never taken for gone (its pid means nothing here); nor is a malformed stamp", () => {
    expect(ownerGone(`${NO_SUCH_PID}.1`)).toBe(namespace === "1");
    expect(ownerGone("not-a-stamp")).toBe(false);
  });
});
