import { readdir, readFile, readlink } from "node:fs/promises";
import { Socket } from "node:net";

/**
 * Whether a loopback TCP connection comes from this very process: the kernel's socket table (`/proc/net/tcp`)
 * names the inode of the connecting end, and this process owns that socket when one of its file descriptors
 * (`/proc/self/fd`) points at it. The same answer a Unix socket's peer credentials give, for a TCP port.
 */

/** IPv4 loopback, as `/proc/net/tcp` writes addresses (little-endian hex). */
const LOOPBACK_HEX = "0100007F";

/**
 * `true` when the connection's other end is a socket of this process, `false` when it is another process's, and
 * `undefined` where the system has no `/proc` to tell (macOS, Windows).
 */
export async function fromThisProcess(socket: Socket): Promise<boolean | undefined> {
  let table: string;
  try {
    table = await readFile("/proc/net/tcp", "utf8");
  } catch {
    return undefined;
  }
  if (socket.remotePort === undefined || socket.localPort === undefined) return false;
  const client = `${LOOPBACK_HEX}:${hexPort(socket.remotePort)}`;
  const server = `${LOOPBACK_HEX}:${hexPort(socket.localPort)}`;
  // Columns: sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode, ...
  const row = table
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .find((columns) => columns[1] === client && columns[2] === server);
  const inode = row?.[9];
  if (inode === undefined || inode === "0") return false;
  const target = `socket:[${inode}]`;
  for (const fd of await readdir("/proc/self/fd").catch(() => [] as string[])) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => "")) === target) return true;
  }
  return false;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, "0");
}
