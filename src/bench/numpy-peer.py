"""The notebook's batch code in numpy, as the benchmark's peer.

Run by `npm run bench` when python3 with numpy is present; the project never needs it.
`python3 numpy-peer.py serve WEIGHTS IMAGES LABELS` reads the files, prints numpy's version
as a line of JSON, then runs the notebook's batch-100 loop over the images in memory once
for every line it reads, and answers each with a line of JSON: the loop's time in
milliseconds and how many images it classified correctly. The benchmark thus times it in
turn with this project's pool, round after round, so that both meet the same moments of a
shared machine.
`python3 numpy-peer.py whole WEIGHTS IMAGES LABELS` runs the notebook's batch code once,
from reading the files to printing the accuracy, as a whole-process peer.
"""

import json
import struct
import sys
import time

import numpy as np


def read_safetensors(path):
    with open(path, 'rb') as file:
        data = file.read()
    header_length = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + header_length])
    start = 8 + header_length
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        begin, end = entry['data_offsets']
        raw = data[start + begin:start + end]
        tensors[name] = np.frombuffer(raw, '<f4').reshape(entry['shape'])
    return tensors


def read_idx(path, offset):
    with open(path, 'rb') as file:
        return np.frombuffer(file.read(), np.uint8, offset=offset)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(a):
    a = a - a.max(axis=1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=1, keepdims=True)


def predict(network, x):
    z1 = sigmoid(x @ network['W1'] + network['b1'])
    z2 = sigmoid(z1 @ network['W2'] + network['b2'])
    return softmax(z2 @ network['W3'] + network['b3'])


def batch_loop(network, x, labels):
    correct = 0
    for i in range(0, len(x), 100):
        prob = predict(network, x[i:i + 100])
        correct += np.sum(np.argmax(prob, axis=1) == labels[i:i + 100])
    return correct


def main():
    mode, weights, images, labels = sys.argv[1:5]
    network = read_safetensors(weights)
    x = read_idx(images, 16).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(labels, 8)
    if mode == 'whole':
        print('Accuracy:', batch_loop(network, x, y) / len(y))
        return

    print(json.dumps({'numpy': np.__version__}), flush=True)
    for _ in sys.stdin:
        started = time.perf_counter()
        correct = batch_loop(network, x, y)
        elapsed = (time.perf_counter() - started) * 1000
        print(json.dumps({'ms': elapsed, 'correct': int(correct)}), flush=True)


main()
