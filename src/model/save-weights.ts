// Writes a network in the project's own format: safetensors with tensors W1, b1, W2, b2, …
// and the hidden activation recorded in `__metadata__`, so the file says how to run it.

import type { Network } from './network.js';
import { encodeSafetensors } from './safetensors.js';
import type { Tensor } from './tensor.js';

/** Encodes a network as safetensors bytes; `metadata` is recorded beside the activation. */
export function networkToSafetensors(
  network: Network,
  metadata: Record<string, string>,
): Uint8Array {
  const tensors = new Map<string, Tensor>();
  network.layers.forEach((layer, index) => {
    const layerNumber = index + 1;
    tensors.set(`W${layerNumber}`,
      { dtype: 'F32', shape: [layer.inputs, layer.outputs], values: layer.weights });
    tensors.set(`b${layerNumber}`, { dtype: 'F32', shape: [layer.outputs], values: layer.biases });
  });

  return encodeSafetensors(tensors, { ...metadata, activation: network.activation });
}
