// Runs an ONNX model in ONNX Runtime's WebAssembly build (onnxruntime-web, a devDependency), in Node, one thread.
// In: the model bytes and float32 inputs by name (those the graph does not read are left out). Out: its first output.
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export async function runOrt(bytes: Uint8Array, inputs: Record<string, { data: Float32Array; dims: number[] }>): Promise<{ name: string; data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled' });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) if (session.inputNames.includes(k)) feeds[k] = new ort.Tensor('float32', v.data, v.dims);
    const out = await session.run(feeds);
    const name = session.outputNames[0];
    const t = out[name];
    return { name, data: t.data as Float32Array, dims: t.dims };
  } finally {
    await session.release();
  }
}
