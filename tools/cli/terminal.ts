/** How the tools write to the terminal: results on stdout, progress and notes on stderr, colour only where it belongs. */

type Style = "dim" | "bold" | "red" | "yellow" | "green" | "cyan";

const CODES: Record<Style, [number, number]> = { dim: [2, 22], bold: [1, 22], red: [31, 39], yellow: [33, 39], green: [32, 39], cyan: [36, 39] };

/** Whether to colour what goes to `stream`: a terminal, and `NO_COLOR` unset or empty (no-color.org). */
export function useColour(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/** `text` in `style` for `stream`, or plain when that stream gets no colour. */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stderr): string {
  if (!useColour(stream)) return text;
  const [on, off] = CODES[style];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

let progressShown = false;
let started = Date.now();

/** Turns progress lines on (commands do; libraries and tests stay quiet unless asked). */
export function showProgress(on = true): void {
  progressShown = on;
  started = Date.now();
}

/** One line of progress on stderr, with the seconds since the command started: `[3.2s] applying api-auth-cognito-dev`. */
export function step(message: string): void {
  if (!progressShown) return;
  const elapsed = `[${((Date.now() - started) / 1000).toFixed(1)}s]`;
  process.stderr.write(`${paint("dim", elapsed)} ${message}\n`);
}

/** A note or warning for the reader, on stderr: never mixed into a command's results. */
export function note(message: string): void {
  process.stderr.write(`${paint("yellow", "note:")} ${message}\n`);
}
