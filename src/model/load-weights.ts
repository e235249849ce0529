// Loads a weights file of either format the project reads, recognised by its first bytes
// rather than its name: a pickle opens with the PROTO opcode, a safetensors file with a
// little-endian header length followed by '{'.

import { inputError } from '../errors.js';
import { fileIdentity, readInputFile, type FileIdentity } from '../io/input-file.js';
import {
  HIDDEN_ACTIVATIONS,
  networkFromTensors,
  type HiddenActivation,
  type Network,
} from './network.js';
import { readPickleTensors } from './pickle.js';
import { readSafetensors } from './safetensors.js';

/** The two weights formats the project reads. */
export type WeightsFormat = 'safetensors' | 'pickle';

/** A checked network with the identity of the file it came from. */
export interface LoadedWeights {
  network: Network;
  format: WeightsFormat;
  file: FileIdentity;
  metadata: Record<string, string>;
}

// A pickle carries no metadata; the book's network, the one pickles here come from, uses
// sigmoid hidden layers.
const PICKLE_ACTIVATION: HiddenActivation = 'sigmoid';
const PICKLE_PROTO_OPCODE = 0x80;
const SAFETENSORS_JSON_START = 0x7b;

/** Reads, parses and checks a weights file; every problem is one InputError naming it. */
export async function loadWeights(path: string): Promise<LoadedWeights> {
  const file = await readInputFile(path);
  const format = detectFormat(file.bytes, path);
  const identity = fileIdentity(file);

  if (format === 'pickle') {
    const tensors = readPickleTensors(file.bytes, path);
    const network = networkFromTensors(tensors, PICKLE_ACTIVATION, path);
    return { network, format, file: identity, metadata: {} };
  }

  const { tensors, metadata } = readSafetensors(file.bytes, path);
  const activation = readActivation(metadata, path);
  const network = networkFromTensors(tensors, activation, path);
  return { network, format, file: identity, metadata };
}

/** Recognises the format from the first bytes of the file. */
export function detectFormat(bytes: Uint8Array, subject: string): WeightsFormat {
  if (bytes.length > 0 && bytes[0] === PICKLE_PROTO_OPCODE) return 'pickle';
  if (bytes.length > 8 && bytes[8] === SAFETENSORS_JSON_START) return 'safetensors';

  throw inputError('ERR_WEIGHTS_FORMAT', subject, 'expected a safetensors file or a pickle ' +
    'of numpy arrays (protocol 2 or later), found neither');
}

function readActivation(metadata: Record<string, string>, subject: string): HiddenActivation {
  const activation = metadata.activation ?? 'sigmoid';
  if ((HIDDEN_ACTIVATIONS as readonly string[]).includes(activation)) {
    return activation as HiddenActivation;
  }

  throw inputError('ERR_UNSUPPORTED', subject, `__metadata__ activation ` +
    `${JSON.stringify(activation)} is not supported, expected ${HIDDEN_ACTIVATIONS.join(', ')}`);
}
