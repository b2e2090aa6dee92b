// Small programs that exercise every tensor op (and the transposed matmul forms), shared by the gradient checks
// and the backend parity tests. Each: [source, input shapes, variables to differentiate by]. R weights the
// output so every element matters; y holds class indices (0..2), Y soft labels.

type Shapes = Record<string, number[]>;

// One case per tensor op (plus the transposed matmul forms). R weights the output so every element matters.
export const TENSOR_CASES: Record<string, [string, Shapes, string[]][]> = {
  matmul: [
    ['sum(R * (A @ B))', { A: [3, 4], B: [4, 2], R: [3, 2] }, ['A', 'B']],
    ['sum(R * (Aᵀ @ B))', { A: [4, 3], B: [4, 2], R: [3, 2] }, ['A', 'B']],
    ['sum(R * (A @ Bᵀ))', { A: [3, 4], B: [2, 4], R: [3, 2] }, ['A', 'B']],
    ['sum(R * (Aᵀ @ Bᵀ))', { A: [4, 3], B: [2, 4], R: [3, 2] }, ['A', 'B']],
  ],
  transpose: [['sum(R * Aᵀ)', { A: [3, 4], R: [4, 3] }, ['A']]],
  sum: [
    ['sum(A)', { A: [3, 4] }, ['A']],
    ['sum(R * sum(A, axis=0))', { A: [3, 4], R: [4] }, ['A']],
    ['sum(R * sum(A, axis=1))', { A: [3, 4], R: [3] }, ['A']],
  ],
  mean: [
    ['mean(A)', { A: [3, 4] }, ['A']],
    ['sum(R * mean(A, axis=0))', { A: [3, 4], R: [4] }, ['A']],
    ['sum(R * mean(A, axis=1))', { A: [3, 4], R: [3] }, ['A']],
  ],
  amax: [
    ['sum(R * max(A, axis=1))', { A: [3, 4], R: [3] }, ['A']],
    ['sum(R * max(A, axis=0))', { A: [3, 4], R: [4] }, ['A']],
    ['max(A) * 3', { A: [3, 4] }, ['A']],
  ],
  logsumexp: [
    ['sum(R * logsumexp(A, axis=1))', { A: [3, 4], R: [3] }, ['A']],
    ['logsumexp(A)', { A: [3, 4] }, ['A']],
  ],
  softmax: [
    ['sum(R * softmax(A, axis=1))', { A: [3, 4], R: [3, 4] }, ['A']],
    ['sum(R * softmax(A, axis=0))', { A: [3, 4], R: [3, 4] }, ['A']],
    ['sum(R * softmax(v))', { v: [5], R: [5] }, ['v']],
  ],
  log_softmax: [
    ['sum(R * log_softmax(A, axis=1))', { A: [3, 4], R: [3, 4] }, ['A']],
    ['sum(R * log_softmax(A, axis=0))', { A: [3, 4], R: [3, 4] }, ['A']],
  ],
  softmax_cross_entropy: [
    ['mean(softmax_cross_entropy(Z, y))', { Z: [4, 3], y: [4] }, ['Z']],
    ['sum(R * softmax_cross_entropy(Z, Y))', { Z: [4, 3], Y: [4, 3], R: [4] }, ['Z', 'Y']],
  ],
  onehot: [['sum(R * onehot(y, 3) * A)', { A: [4, 3], y: [4], R: [4, 3] }, ['A']]],
  argmax_mask: [
    ['sum(R * argmax_mask(A, axis=1) * A)', { A: [3, 4], R: [3, 4] }, ['A']],
    ['sum(R * argmax_mask(A, axis=0) * A)', { A: [3, 4], R: [3, 4] }, ['A']],
    ['sum(R * argmax_mask(A) * A)', { A: [3, 4], R: [3, 4] }, ['A']],
  ],
  column: [['sum(R * column(v))', { v: [4], R: [4, 3] }, ['v']]],
  broadcast_to: [['sum(R * broadcast_to(v, 4, 3))', { v: [3], R: [4, 3] }, ['v']]],
  sum_to: [['sum(R * sum_to(A, 3))', { A: [4, 3], R: [3] }, ['A']]],
  // images [B, H, W, C]: stride 1 and 2, pad 0 and 'same' with odd and even sizes, 1×1 kernels, batch 1, C = 1 and > 1
  conv2d: [
    ['sum(R * conv2d(X, K))', { X: [2, 5, 5, 2], K: [3, 3, 2, 3], R: [2, 3, 3, 3] }, ['X', 'K']],
    ['sum(R * conv2d(X, K, stride=2, pad=1))', { X: [1, 5, 5, 1], K: [3, 3, 1, 2], R: [1, 3, 3, 2] }, ['X', 'K']],
    ['sum(R * conv2d(X, K, pad=1))', { X: [2, 6, 4, 3], K: [3, 3, 3, 2], R: [2, 6, 4, 2] }, ['X', 'K']],
    ['sum(R * conv2d(X, K))', { X: [2, 3, 4, 3], K: [1, 1, 3, 2], R: [2, 3, 4, 2] }, ['X', 'K']],
    ['sum(R * conv2d(X, K, stride=2))', { X: [1, 6, 7, 2], K: [2, 3, 2, 2], R: [1, 3, 3, 2] }, ['X', 'K']],
    ['sum(R * relu(conv2d(X, K, 1, 2) + b))', { X: [1, 4, 4, 2], K: [5, 5, 2, 3], b: [3], R: [1, 4, 4, 3] }, ['X', 'K', 'b']],
  ],
  conv2d_transpose: [
    ['sum(R * conv2d_transpose(G, K, stride=2, pad=1, height=6, width=5))', { G: [1, 3, 3, 2], K: [3, 3, 1, 2], R: [1, 6, 5, 1] }, ['G', 'K']],
    ['sum(R * conv2d_transpose(G, K))', { G: [2, 3, 2, 3], K: [2, 2, 2, 3], R: [2, 4, 3, 2] }, ['G', 'K']],
  ],
  conv2d_backprop_filter: [
    ['sum(R * conv2d_backprop_filter(X, G, 3, 3, pad=1))', { X: [2, 4, 4, 2], G: [2, 4, 4, 3], R: [3, 3, 2, 3] }, ['X', 'G']],
    ['sum(R * conv2d_backprop_filter(X, G, 2, 2, stride=2))', { X: [1, 5, 5, 1], G: [1, 2, 2, 2], R: [2, 2, 1, 2] }, ['X', 'G']],
  ],
  max_pool2d: [
    ['sum(R * max_pool2d(X))', { X: [2, 4, 6, 3], R: [2, 2, 3, 3] }, ['X']],
    ['sum(R * max_pool2d(X, size=3, stride=2))', { X: [1, 5, 5, 2], R: [1, 2, 2, 2] }, ['X']],
    ['sum(R * max_pool2d(X, size=2, stride=1))', { X: [1, 3, 4, 1], R: [1, 2, 3, 1] }, ['X']],
  ],
  max_pool2d_backprop: [['sum(R * max_pool2d_backprop(X, G))', { X: [1, 4, 4, 2], G: [1, 2, 2, 2], R: [1, 4, 4, 2] }, ['X']]],
  avg_pool2d: [
    ['sum(R * avg_pool2d(X))', { X: [2, 5, 4, 3], R: [2, 2, 2, 3] }, ['X']],
    ['sum(R * avg_pool2d(X, size=2, stride=1))', { X: [1, 4, 5, 2], R: [1, 3, 4, 2] }, ['X']],
  ],
  avg_pool2d_backprop: [['sum(R * avg_pool2d_backprop(G, height=5, width=5))', { G: [1, 2, 2, 2], R: [1, 5, 5, 2] }, ['G']]],
  flatten: [['sum(R * flatten(X))', { X: [2, 3, 2, 2], R: [2, 12] }, ['X']]],
  reshape: [
    ['sum(R * reshape(A, 2, 3, 2))', { A: [3, 4], R: [2, 3, 2] }, ['A']],
    ['sum(R * reshape(X, 6, -1))', { X: [2, 3, 2, 2], R: [6, 4] }, ['X']],
  ],
  dropout: [['sum(R * dropout(A, rate=0.3))', { A: [3, 4], R: [3, 4] }, ['A']]],
  dropout_mask: [['sum(R * dropout_mask(A) * A)', { A: [3, 4], R: [3, 4] }, ['A']]],
};

