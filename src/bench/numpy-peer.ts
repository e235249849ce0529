// The notebook's numpy code as the benchmark's peer: numpy-peer.py, kept running in a python3
// process that classifies the images once for every line it is sent (see its docstring).

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { PROJECT_ROOT } from '../project-files.js';
import type { Peer, PeerRun } from './peer.js';

/** numpy's batch-100 loop, ready to run again and again. */
export interface NumpyPeer extends Peer {
  version: string;
}

/** The numpy script, run as `serve` for the rounds and as `whole` for the process timing. */
export const NUMPY_SCRIPT = join(PROJECT_ROOT, 'src', 'bench', 'numpy-peer.py');

/** Starts the peer on `files` (weights, images, labels), or returns why it cannot run. */
export async function startNumpyPeer(files: string[]): Promise<NumpyPeer | string> {
  const child = spawn('python3', [NUMPY_SCRIPT, 'serve', ...files],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<string>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ENOENT' ?
      'python3 is not on the PATH' : `python3 did not start (${error.message})`));
    child.on('close', () => resolve(`python3 with numpy did not run ` +
      `(${stderr.trim().split('\n').at(-1) || 'it exited'})`));
  });
  // the next line the script prints, or why there will be none
  const nextLine = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), exited]);
    if (typeof line === 'string') throw new Error(line);
    if (line.done === true) throw new Error(await exited);
    return line.value;
  };

  try {
    const { numpy } = JSON.parse(await nextLine()) as { numpy: string };
    return {
      version: numpy,
      run: async (): Promise<PeerRun> => {
        child.stdin.write('run\n');
        return JSON.parse(await nextLine()) as PeerRun;
      },
      close: async () => {
        child.stdin.end();
        await exited;
      },
    };
  } catch (error) {
    child.kill();
    return (error as Error).message;
  }
}
