import { oneLine, quoted, QUOTED_LENGTH } from "../../../constructs/validation";

describe("quoted", () => {
  test("a string in double quotes, its quotes and backslashes escaped", () => {
    expect(quoted("us-east-1")).toBe('"us-east-1"');
    expect(quoted('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  test("control characters escaped, so the message stays one line and the terminal acts on nothing", () => {
    expect(quoted("a\r\nb\tc")).toBe('"a\\r\\nb\\tc"');
    expect(quoted("\u001b]0;owned\u0007")).toBe('"\\u001b]0;owned\\u0007"');
    expect(quoted("\u009b2J \u007f \u2028 \u202e")).toBe('"\\u009b2J \\u007f \\u2028 \\u202e"');
  });

  test("other values as JSON", () => {
    expect([quoted(42), quoted(null), quoted(["a"]), quoted({ a: 1 }), quoted(undefined)]).toEqual(["42", "null", '["a"]', '{"a":1}', "undefined"]);
  });

  test(`cut after ${QUOTED_LENGTH} characters, saying how many more there were`, () => {
    expect(quoted("x".repeat(10_000))).toBe(`"${"x".repeat(QUOTED_LENGTH)}"… (${10_000 - QUOTED_LENGTH} more characters)`);
    expect(quoted("x".repeat(QUOTED_LENGTH))).toBe(`"${"x".repeat(QUOTED_LENGTH)}"`);
    // Characters, not UTF-16 units: a cut never splits a character in two.
    expect(quoted("😀".repeat(QUOTED_LENGTH + 1))).toBe(`"${"😀".repeat(QUOTED_LENGTH)}"… (1 more characters)`);
  });
});

describe("oneLine", () => {
  test("escapes control characters and keeps everything else", () => {
    expect(oneLine("first\nsecond \u001b[31mred")).toBe("first\\nsecond \\u001b[31mred");
    expect(oneLine("plain: \"quoted\" ✓")).toBe("plain: \"quoted\" ✓");
  });
});
