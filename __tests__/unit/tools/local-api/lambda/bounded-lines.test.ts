import { BoundedLine, BoundedLineSplitter } from "../../../../../tools/local-api/lambda/bounded-lines";

/** The lines `chunks` make, split with a limit of `limit` bytes and the marker `END`. */
function split(chunks: (string | Buffer)[], limit = 8): BoundedLine[] {
  const lines: BoundedLine[] = [];
  const splitter = new BoundedLineSplitter((line) => lines.push(line), "<END>", limit);
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return lines;
}

test("short lines pass whole, however the chunks fall", () => {
  expect(split(["ab", "c\nde", "f\n", "g"])).toEqual([
    { text: "abc", cutBytes: 0, endsWithSuffix: false },
    { text: "def", cutBytes: 0, endsWithSuffix: false },
    { text: "g", cutBytes: 0, endsWithSuffix: false },
  ]);
});

test("a long line is cut at the limit and says how many bytes went", () => {
  expect(split(["0123456789", "abcdef\n"])).toEqual([{ text: "01234567", cutBytes: 8, endsWithSuffix: false }]);
});

test("a cut never splits a character", () => {
  // "é" is two bytes: the limit of 8 falls inside the fifth.
  expect(split(["aaaaaaaé\n"])).toEqual([{ text: "aaaaaaa", cutBytes: 2, endsWithSuffix: false }]);
});

test("the marker is found at the end of a line however long the line and however the chunks split it", () => {
  expect(split(["x".repeat(100), "<EN", "D>\n"])).toEqual([{ text: "xxxxxxxx", cutBytes: 92, endsWithSuffix: true }]);
  expect(split(["<END>\n"])).toEqual([{ text: "", cutBytes: 0, endsWithSuffix: true }]);
  // A line just as long as the limit before the marker is whole.
  expect(split(["12345678<END>\n"])).toEqual([{ text: "12345678", cutBytes: 0, endsWithSuffix: true }]);
});
