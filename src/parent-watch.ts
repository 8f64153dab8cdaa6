// Read as the program loads: a shell signalled while the server was still starting has already
// handed this process to another parent by the time the watch begins.
const PARENT_AT_START = process.ppid;

/**
 * Started through npm (`npm start`, `npm run …`, `npx carsi serve`), this process's parent is the
 * shell npm runs the command in. npm passes SIGTERM and SIGINT on to that shell only, and the shell
 * dies without passing them on: this process would be left running, adopted by another parent. So,
 * when npm started it, the parent's id is checked every `intervalMs` and `onGone` called once it
 * changes. Started any other way (a supervisor, a container, `nohup … &`), outliving the parent is
 * intended and nothing is watched. Returns a function that stops watching, or null.
 */
export function watchParent(
  onGone: () => void,
  env: NodeJS.ProcessEnv = process.env,
  intervalMs = 1_000,
  parent = PARENT_AT_START,
): (() => void) | null {
  if (!env['npm_lifecycle_event']) return null;
  // Adopted before the program even started (by init or a subreaper): no launching parent to watch.
  if (parent <= 1) return null;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
