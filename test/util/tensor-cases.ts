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
  argmax_mask: [['sum(R * argmax_mask(A, axis=1) * A)', { A: [3, 4], R: [3, 4] }, ['A']]],
  column: [['sum(R * column(v))', { v: [4], R: [4, 3] }, ['v']]],
  broadcast_to: [['sum(R * broadcast_to(v, 4, 3))', { v: [3], R: [4, 3] }, ['v']]],
  sum_to: [['sum(R * sum_to(A, 3))', { A: [4, 3], R: [3] }, ['A']]],
};

