/** Whether a process with this pid exists on this host (EPERM: it exists, it is only not ours to signal). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
