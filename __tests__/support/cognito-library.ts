/**
 * amazon-cognito-identity-js, loaded so that its big-number code takes its Node path. The library picks how it
 * multiplies (`am1`, `am2` or `am3` in lib/BigInteger.js) by `navigator` when it loads; Node 21 and later have a
 * `navigator` without `appName`, which selects the 26-bit browser variant, and inside jest's context that made three
 * SRP sign-ins take 146 s on Node 22 against 3.8 s on Node 20. Hiding `navigator` while the module loads restores the
 * choice it makes in Node 20. The library's only other reader, CognitoUser's user agent, also reads it at load and
 * then says `nodejs`, as on Node 20.
 */
function withoutNavigator<T>(load: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: undefined, configurable: true });
  try {
    return load();
  } finally {
    if (saved) Object.defineProperty(globalThis, "navigator", saved);
    else delete (globalThis as { navigator?: unknown }).navigator;
  }
}

/** The library's classes (its types come from `import type` of the package). */
export const cognitoLibrary = withoutNavigator(() => require("amazon-cognito-identity-js") as typeof import("amazon-cognito-identity-js"));
