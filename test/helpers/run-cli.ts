// Runs a command of the project as a user would: the build in dist/, in a child process,
// collecting what it printed and how it exited.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a finished command left behind. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The project's root folder, where the commands run. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

let isBuilt = false;

/** Builds once per test process, so the commands never run a stale build. */
export function buildOnce(): void {
  if (isBuilt) return;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  isBuilt = true;
}

/**
 * Runs `dist/src/cli/<command>.js` with `args`, from the project's root folder; `env` adds
 * variables, such as the test-only MNIST_EVAL_TEST_FAULTS, and `nodeArgs` go to node itself.
 */
export function runCli(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<CommandResult> {
  return run(process.execPath, [...nodeArgs, `dist/src/cli/${command}.js`, ...args], env);
}

/** Runs a bash command line (pipefail on) from the project's root folder, after the build. */
export function runShell(commandLine: string): Promise<CommandResult> {
  return run('bash', ['-o', 'pipefail', '-c', commandLine]);
}

function run(file: string, args: string[], env: Record<string, string> = {}):
  Promise<CommandResult> {
  buildOnce();
  return new Promise((resolve) => {
    execFile(file, args, {
      cwd: PROJECT_ROOT,
      env: commandEnvironment(env),
      maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : Number(error.code ?? 1);
      resolve({ exitCode, stdout, stderr });
    });
  });
}

/** Starts a command without waiting for it, for tests that interrupt it. */
export function startCli(command: string, args: string[], env: Record<string, string> = {}): {
  child: ChildProcess;
  finished: Promise<CommandResult>;
} {
  buildOnce();
  const child = spawn(process.execPath, [`dist/src/cli/${command}.js`, ...args],
    { cwd: PROJECT_ROOT, env: commandEnvironment(env) });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => { stdout += chunk; });
  child.stderr?.on('data', (chunk) => { stderr += chunk; });
  const finished = new Promise<CommandResult>((resolve) => {
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
  });
  return { child, finished };
}

/**
 * A child's environment: this process's with `env` added, less the FORCE_COLOR that uvu sets
 * for its own output. A user's NO_COLOR (as CI sets) beside it makes Node.js 22 and later
 * print a warning on every child's stderr.
 */
export function commandEnvironment(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _uvuColor, ...inherited } = process.env;
  return { ...inherited, ...env };
}
