// Runs an ONNX model in ONNX Runtime's WebAssembly build (onnxruntime-web, a devDependency), in Node, one thread.
// In: the model's bytes, the input name and a float32 batch [rows, features]. Out: the output as Float32Array.
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export async function runOrt(bytes: Uint8Array, inputs: Record<string, { data: Float32Array; dims: number[] }>): Promise<{ name: string; data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled' });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) feeds[k] = new ort.Tensor('float32', v.data, v.dims);
    const out = await session.run(feeds);
    const name = session.outputNames[0];
    const t = out[name];
    return { name, data: t.data as Float32Array, dims: t.dims };
  } finally {
    await session.release();
  }
}
