// Axis permutations of dense row-major float32 tensors, for moving weights between exprgrad's layouts (images NHWC,
// filters [kh, kw, C, F]) and ONNX's (NCHW, filters [F, C, kh, kw]).
// In: data, its shape, and perm (output axis i is input axis perm[i]). Out: a new Float32Array in the permuted order.

export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]);
  const inStride = shape.map((_, i) => shape.slice(i + 1).reduce((a, c) => a * c, 1));
  const out = new Float32Array(data.length);
  const idx = new Array<number>(perm.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i] * inStride[perm[i]];
    out[o] = data[src];
    for (let i = perm.length - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** Rows of a [H·W·C, n] matrix reordered so that row (h, w, c) of the result is row (c, h, w) of `data`. */
export function chwRowsToHwc(data: Float32Array, [H, W, C]: readonly [number, number, number], n: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let h = 0; h < H; h++)
    for (let w = 0; w < W; w++)
      for (let c = 0; c < C; c++) {
        const i = (h * W + w) * C + c;
        const j = (c * H + h) * W + w;
        out.set(data.subarray(j * n, j * n + n), i * n);
      }
  return out;
}
