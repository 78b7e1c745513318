import { quoted, runCommand, UsageError } from "../cli/command";

/** `npm run local:snapshot -- save NAME | load NAME|PATH | list`: snapshots of the local cloud's state. */
runCommand(module, {
  usage: "npm run local:snapshot -- save NAME [--force] | load NAME|PATH | list",
  description:
    "Snapshots of the local cloud's state (every pool, user, identity, deployed stage and object, ids and all), one file each in .tfwork/local/snapshots/NAME.cloud-state, for a teammate or a CI job to load. save NAME copies the state as the cloud last saved it, whether npm run dev or npm run local:up runs or not: a running cloud saves within about a second of each change, always a complete file, so a change of the last second may be missing; prints the snapshot's path. load NAME (or the path of a .cloud-state file, any argument with a /) replaces the state with it, keeping the previous one as cloud.state.before-load-<time>; the cloud must be stopped, and the file must come from the same moto version. list prints each snapshot with its size, date and moto version. NAME: letters, digits, -, _ and . (not first), at most 100 characters. Snapshots hold the users' password verifiers: share them as you would the local test passwords.",
  options: {
    force: { type: "boolean", description: "save: replace a snapshot of that name" },
  },
  arguments: { name: "action", min: 1, max: 2 },
  examples: ["npm run local:snapshot -- save team-base", "npm run local:snapshot -- load team-base", "npm run local:snapshot -- load ~/Downloads/team-base.cloud-state", "npm run local:snapshot -- list"],
  async run(options, [action, target]) {
    const usage = "(usage: npm run local:snapshot -- save NAME [--force] | load NAME|PATH | list)";
    if (!["save", "load", "list"].includes(action)) throw new UsageError(`unknown action ${quoted(action)}: expected save, load or list ${usage}`);
    if (action === "list" && target !== undefined) throw new UsageError(`unexpected argument ${quoted(target)}: list takes none ${usage}`);
    if (action !== "list" && target === undefined) throw new UsageError(`${action} takes a NAME${action === "load" ? " or a PATH" : ""} ${usage}`);
    if (options.force && action !== "save") throw new UsageError(`--force applies to save only ${usage}`);
    const { stateSnapshots } = await import("../local-cloud");
    const { listSnapshots, loadSnapshot, saveSnapshot, SNAPSHOT_FOLDER, snapshotNameProblem } = await stateSnapshots();
    const { note, step } = await import("../cli/terminal");

    if (action === "save") {
      const problem = snapshotNameProblem(target);
      if (problem) throw new UsageError(problem);
      const saved = saveSnapshot(target, { force: options.force === true });
      const when = saved.savedAt.toLocaleTimeString("en-GB");
      if (saved.runningCloud !== undefined) note(`copied the state as the running local cloud (pid ${saved.runningCloud}) last saved it, at ${when}: it saves within about a second of each change`);
      else step(`copied the state the local cloud last saved, at ${when} (no local cloud uses it now)`);
      console.log(saved.file);
      return 0;
    }
    if (action === "load") {
      if (!target.includes("/")) {
        const problem = snapshotNameProblem(target);
        if (problem) throw new UsageError(`${problem} (or a path to a .cloud-state file, with a /)`);
      }
      const loaded = loadSnapshot(target);
      console.log(`Loaded ${loaded.source} into ${loaded.stateFile}: the next npm run dev or npm run local:up starts from it.`);
      console.log(loaded.previous ? `The previous state is kept as ${loaded.previous}.` : "There was no previous state.");
      return 0;
    }
    const snapshots = listSnapshots();
    if (snapshots.length === 0) {
      note(`no snapshots in ${SNAPSHOT_FOLDER} (npm run local:snapshot -- save NAME makes one)`);
      return 0;
    }
    const rows = snapshots.map((s) => [s.name, size(s.bytes), dateTime(s.modified), s.moto ? `moto ${s.moto}` : "not a state file"]);
    const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column].length)));
    for (const row of rows) console.log(`${row[0].padEnd(widths[0])}  ${row[1].padStart(widths[1])}  ${row[2].padEnd(widths[2])}  ${row[3]}`);
    return 0;
  },
});

/** `bytes` for people: `812 B`, `10.4 KiB`, `3.2 MiB`. */
function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `date` in local time as `2026-12-07 20:15:03`. */
function dateTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}
