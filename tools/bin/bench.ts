import { quoted, runCommand, UsageError } from "../cli/command";

/** `npm run bench`: synth, test and package figures with their budgets. */
runCommand(module, {
  usage: "npm run bench [-- --runs N]",
  description:
    "Measures, each as the median of N fresh runs with min and max: the app as cdktf.json runs it side by side with the same app prebuilt and run by node (wall time and peak RSS ratios), tsx, cdktf synth, deep against barrel provider imports, the unit suite (up to 3 runs, budget 8 s) and the whole suite (once, budget 120 s), every command's --help, npm run validate, and each handler's zip size, cold load and first invocation; and its own time (budget 5 minutes). Prints a table, writes bench/results.json, exits 1 when a budget is broken. Takes about as long as one npm test, plus a minute and a half.",
  options: { runs: { type: "string", valueName: "N", description: "runs per figure, a whole number of at least 3 (default 3)" } },
  async run(options) {
    const runs = options.runs === undefined ? 3 : Number(options.runs);
    if (!Number.isInteger(runs) || runs < 3) throw new UsageError(`invalid --runs ${quoted(options.runs)}: expected a whole number of at least 3`);
    const { benchApp } = await import("../bench/bench-app");
    return benchApp(runs);
  },
});
