// An ONNX MLP laid out the way PyTorch's exporter (torch.onnx.export) writes one, built here because no exporter
// runs offline: input "input" [N, 1, 28, 28] (batch named "batch_size"), Flatten, then Gemm nodes with
// transB = 1 and weights [out, in] named fc1.weight / fc1.bias, node names "/fc1/Gemm", value names
// "/fc1/Gemm_output_0", Relu between, opset 17, ir_version 8, producer "pytorch", optional final Softmax.
// In: the layers' weights in exprgrad's layout ([in, out] matrices, bias vectors). Out: the .onnx bytes.
import { encodeModel, DT, AT, type OnnxNode, type OnnxTensor } from '../../src/onnx/proto.js';

export function pytorchStyleMlp(layers: { W: Float32Array; b: Float32Array; inF: number; outF: number }[], opts: { softmax?: boolean; dropout?: boolean } = {}): Uint8Array {
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  const raw = (a: Float32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  nodes.push({ name: '/flatten/Flatten', op_type: 'Flatten', input: ['input'], output: ['/flatten/Flatten_output_0'], attribute: [{ name: 'axis', type: AT.INT, i: 1 }] });
  let prev = '/flatten/Flatten_output_0';
  layers.forEach((l, k) => {
    const fc = `fc${k + 1}`;
    const wt = new Float32Array(l.inF * l.outF); // [out, in]
    for (let i = 0; i < l.inF; i++) for (let j = 0; j < l.outF; j++) wt[j * l.inF + i] = l.W[i * l.outF + j];
    inits.push({ name: `${fc}.weight`, dims: [l.outF, l.inF], data_type: DT.FLOAT, raw_data: raw(wt) });
    inits.push({ name: `${fc}.bias`, dims: [l.outF], data_type: DT.FLOAT, raw_data: raw(l.b) });
    const out = `/${fc}/Gemm_output_0`;
    nodes.push({
      name: `/${fc}/Gemm`, op_type: 'Gemm', input: [prev, `${fc}.weight`, `${fc}.bias`], output: [out],
      attribute: [{ name: 'alpha', type: AT.FLOAT, f: 1 }, { name: 'beta', type: AT.FLOAT, f: 1 }, { name: 'transB', type: AT.INT, i: 1 }],
    });
    prev = out;
    if (k < layers.length - 1) {
      nodes.push({ name: `/relu${k + 1}/Relu`, op_type: 'Relu', input: [prev], output: [`/relu${k + 1}/Relu_output_0`] });
      prev = `/relu${k + 1}/Relu_output_0`;
      if (opts.dropout) {
        nodes.push({ name: `/dropout${k + 1}/Dropout`, op_type: 'Dropout', input: [prev], output: [`/dropout${k + 1}/Dropout_output_0`] });
        prev = `/dropout${k + 1}/Dropout_output_0`;
      }
    }
  });
  const last = nodes.at(-1)!;
  if (opts.softmax) {
    nodes.push({ name: '/softmax/Softmax', op_type: 'Softmax', input: [prev], output: ['output'], attribute: [{ name: 'axis', type: AT.INT, i: 1 }] });
  } else last.output = ['output'];
  const classes = layers.at(-1)!.outF;
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    producer_name: 'pytorch',
    producer_version: '2.5.1',
    graph: {
      name: 'main_graph',
      node: nodes,
      initializer: inits,
      input: [{ name: 'input', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'batch_size' }, { dim_value: 1 }, { dim_value: 28 }, { dim_value: 28 }] } } } }],
      output: [{ name: 'output', type: { tensor_type: { elem_type: DT.FLOAT, shape: { dim: [{ dim_param: 'batch_size' }, { dim_value: classes }] } } } }],
    },
  });
}
