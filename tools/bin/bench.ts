import { runCommand, UsageError } from "../cli/command";

/** `npm run bench`: synth, test and package figures with their budgets. */
runCommand(module, {
  usage: "npm run bench [-- --runs N]",
  description:
    "Measures, each as the median of N fresh runs with min and max: cdktf synth, the app under tsx against ts-node and a prebuilt bundle, deep against barrel provider imports, the unit and whole test suites, terraform validate, and each handler's zip size, cold load and first invocation. Prints a table, writes bench/results.json, exits 1 when a budget is broken. Takes several minutes.",
  options: { runs: { type: "string", valueName: "N", description: "runs per figure, a whole number of at least 5 (default 5)" } },
  async run(options) {
    const runs = options.runs === undefined ? 5 : Number(options.runs);
    if (!Number.isInteger(runs) || runs < 5) throw new UsageError(`invalid --runs "${options.runs}": expected a whole number of at least 5`);
    const { benchApp } = await import("../bench/bench-app");
    return benchApp(runs);
  },
});
