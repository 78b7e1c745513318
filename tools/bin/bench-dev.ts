import { runCommand } from "../cli/command";

/** `npm run bench:dev`: how fast `npm run dev` is ready and how fast its API answers. */
runCommand(module, {
  usage: "npm run bench:dev [-- --no-concurrency]",
  description:
    "Starts the local development environment, times it to the first 200 of GET /public, signs a user in through the emulator's Cognito, then loads /public and a SigV4-signed /private with autocannon (one and ten connections). Prints a table, writes bench/dev-results.json, stops everything it started, exits 1 when a budget is broken.",
  options: { "no-concurrency": { type: "boolean", description: "skip the 10-connection runs" } },
  async run(options) {
    const { benchDev } = await import("../bench/bench-dev");
    return benchDev(options["no-concurrency"] !== true);
  },
});
