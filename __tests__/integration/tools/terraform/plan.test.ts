import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../../../tools/shared/paths";

/** `npm run plan` refusing bad input before it synthesizes or starts Terraform. */
test("npm run plan refuses an invalid stage name with one line and exit 1", () => {
  const result = spawnSync(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["tools/bin/plan.ts", "Staging"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  expect(result.status).toBe(1);
  expect(result.stderr.trim()).toBe('Error: invalid stage name "Staging": expected lowercase letters, digits and single hyphens, starting with a letter');
});
