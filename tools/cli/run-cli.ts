/**
 * Runs a command-line tool's `main` when its file is the program: exits with the code `main` returns, or prints
 * one line `Error: <message>` and exits 1 when it throws, never a stack trace.
 */
export function runCli(module: NodeModule, main: (args: string[]) => Promise<number>): void {
  if (require.main !== module) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`Error: ${error.message}`);
      process.exit(1);
    },
  );
}
