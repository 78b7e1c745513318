import { staleHandlers } from "../../../../tools/dev/handler-reloader";

describe("staleHandlers", () => {
  const inputs = (entries: Record<string, string>) => new Map(Object.entries(entries));
  const handlers = [
    { name: "public", inputs: inputs({ "/p/public.ts": "a", "/p/log.ts": "l" }), failing: false },
    { name: "private", inputs: inputs({ "/p/private.ts": "b", "/p/log.ts": "l" }), failing: false },
  ];

  test("a changed handler file makes only its handler stale", () => {
    expect(staleHandlers(new Map([["/p/public.ts", "a2"]]), handlers)).toEqual(["public"]);
  });

  test("a changed shared module makes every handler importing it stale", () => {
    expect(staleHandlers(new Map([["/p/log.ts", "l2"]]), handlers)).toEqual(["public", "private"]);
  });

  test("a file touched without a change, or imported by no handler, makes none stale", () => {
    expect(staleHandlers(new Map([["/p/public.ts", "a"], ["/p/log.ts", "l"]]), handlers)).toEqual([]);
    expect(staleHandlers(new Map([["/p/other.ts", "x"]]), handlers)).toEqual([]);
  });

  test("a deleted input makes its handlers stale", () => {
    expect(staleHandlers(new Map([["/p/private.ts", "absent"]]), handlers)).toEqual(["private"]);
  });

  test("a failing handler is retried on any change, e.g. the file it imports being created, but not on a touch", () => {
    const failing = [{ ...handlers[0], failing: true }, handlers[1]];
    expect(staleHandlers(new Map([["/p/greeting.ts", "g"]]), failing)).toEqual(["public"]);
    expect(staleHandlers(new Map([["/p/public.ts", "a"]]), failing)).toEqual([]);
  });
});
