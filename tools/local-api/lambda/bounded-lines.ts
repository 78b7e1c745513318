/**
 * The lines of a handler's output stream, each kept to at most a log event's size, as Lambda keeps them: a line longer
 * than that is cut, and says how much was cut. What is held at any moment is one line's kept part and a few bytes,
 * however long the line and however much the handler writes: a 100 MB line costs 256 KB, not 100 MB.
 */

/**
 * The most bytes of one line kept: a CloudWatch Logs event holds at most 256 KB (262,144 bytes, counted with 26
 * bytes of per-event overhead), and Lambda cuts longer lines of a function's output to fit.
 */
export const MAX_LINE_BYTES = 256 * 1024 - 26;

/** One line as the splitter hands it on. */
export interface BoundedLine {
  /** The line without its newline, cut to {@link MAX_LINE_BYTES} (on a character boundary) when it was longer. */
  readonly text: string;
  /** Bytes of the line that were not kept; 0 for a whole line. */
  readonly cutBytes: number;
  /** Whether the line ended with the `suffix` the splitter was made with (which `text` then leaves out). */
  readonly endsWithSuffix: boolean;
}

/**
 * Splits a byte stream into {@link BoundedLine}s. A line ending in `suffix` (the runner's end-of-invocation marker)
 * is recognised however long the line was, since the marker may follow a handler's last line without a newline.
 */
export class BoundedLineSplitter {
  /** The kept start of the current line, at most `limit` bytes. */
  private kept: Buffer[] = [];
  private keptBytes = 0;
  /** The whole length of the current line so far. */
  private lineBytes = 0;
  /** The last bytes of the current line, as many as `suffix` has. */
  private tail = Buffer.alloc(0);
  private readonly suffix: Buffer;

  constructor(
    private readonly onLine: (line: BoundedLine) => void,
    suffix = "",
    private readonly limit = MAX_LINE_BYTES,
  ) {
    this.suffix = Buffer.from(suffix);
  }

  /** Takes the next bytes of the stream. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      this.take(chunk.subarray(start, newline < 0 ? chunk.length : newline));
      if (newline < 0) return;
      this.finishLine();
      start = newline + 1;
    }
  }

  /** Ends the stream: a last line without a newline is handed on. */
  end(): void {
    if (this.lineBytes > 0) this.finishLine();
  }

  private take(part: Buffer): void {
    if (part.length === 0) return;
    const room = this.limit + this.suffix.length - this.keptBytes;
    if (room > 0) {
      // Kept as a copy: a slice would hold the whole chunk it came from.
      const kept = Buffer.from(part.subarray(0, room));
      this.kept.push(kept);
      this.keptBytes += kept.length;
    }
    this.lineBytes += part.length;
    if (this.suffix.length > 0) this.tail = Buffer.concat([this.tail, part.subarray(-this.suffix.length)]).subarray(-this.suffix.length);
  }

  private finishLine(): void {
    const endsWithSuffix = this.suffix.length > 0 && this.lineBytes >= this.suffix.length && this.tail.equals(this.suffix);
    const length = this.lineBytes - (endsWithSuffix ? this.suffix.length : 0);
    const kept = Buffer.concat(this.kept, this.keptBytes);
    const cut = length > this.limit ? characterBoundary(kept, this.limit) : length;
    this.kept = [];
    this.keptBytes = 0;
    this.lineBytes = 0;
    this.tail = Buffer.alloc(0);
    this.onLine({ text: kept.toString("utf8", 0, cut), cutBytes: length - cut, endsWithSuffix });
  }
}

/** The largest offset at most `at` that does not split a UTF-8 character of `bytes`. */
function characterBoundary(bytes: Buffer, at: number): number {
  let offset = at;
  // Continuation bytes are 10xxxxxx: step back to the start of the character they belong to.
  while (offset > 0 && (bytes[offset] & 0xc0) === 0x80) offset -= 1;
  return offset;
}
