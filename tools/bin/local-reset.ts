import { runCommand } from "../cli/command";

/** `npm run local:reset`: the local cloud starts from nothing, on purpose. */
runCommand(module, {
  usage: "npm run local:reset [-- --delete]",
  description:
    "Makes the local cloud of npm run dev and npm run local:up start from nothing next time: no pools, users, identities, stages or objects, and new ids. Its state (.tfwork/local/state/cloud.state) is kept aside as cloud.state.reset-<time>, whose path it prints, so nothing is lost; --delete removes it instead, with every earlier copy kept aside (cloud.state.reset-*, .unreadable-*, .before-load-*). Refused while npm run dev or npm run local:up runs: stop it first. To come back to a known state instead, save a snapshot and load it (npm run local:snapshot -- --help).",
  options: {
    delete: { type: "boolean", description: "delete the state and the earlier copies kept aside, instead of keeping it aside" },
  },
  examples: ["npm run local:reset", "npm run local:reset -- --delete"],
  async run(options) {
    const { resetState } = await import("../local-cloud");
    const reset = resetState({ delete: options.delete === true });
    if (reset.keptAs) console.log(`Reset the local cloud's state: the next npm run dev or npm run local:up starts from nothing. The state was moved aside to ${reset.keptAs}.`);
    else if (reset.deleted.length > 0) {
      const earlier = reset.deleted.length - (reset.hadState ? 1 : 0);
      const what = [reset.hadState ? reset.stateFile : "", earlier > 0 ? `${earlier} earlier ${earlier === 1 ? "copy" : "copies"} kept aside` : ""].filter(Boolean).join(" and ");
      console.log(`Deleted ${what}${reset.hadState ? ": the next npm run dev or npm run local:up starts from nothing" : " (there was no state to reset)"}.`);
    } else console.log(`Nothing to reset: there is no state file ${reset.stateFile} (the local cloud starts from nothing already).`);
    return 0;
  },
});
