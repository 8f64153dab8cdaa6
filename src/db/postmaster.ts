import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What PostgreSQL writes to `postmaster.pid` in its data directory while it runs. */
export interface PostmasterFile {
  pid: number;
  dataDirectory: string;
  port: number;
  /** `starting`, `ready`, `stopping` or `standby` (PostgreSQL 10+); '' when not yet written. */
  status: string;
}

/**
 * Reads `<databaseDir>/postmaster.pid`: line 1 the server's pid, 2 the data directory, 4 the port,
 * 8 the status. Undefined when there is no such file (no server) or it cannot be parsed.
 */
export function readPostmasterFile(databaseDir: string): PostmasterFile | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  return { pid, dataDirectory: lines[1] ?? '', port, status: (lines[7] ?? '').trim() };
}

/** Whether a process with this id exists (it may belong to another user: EPERM still means it exists). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
