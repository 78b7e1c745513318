import { IncomingHttpHeaders } from "node:http";

/** A header's value as one string: Node joins repeated headers for all but a few names, and those are joined here. */
export function headerValue(headers: IncomingHttpHeaders | Readonly<Record<string, string>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
