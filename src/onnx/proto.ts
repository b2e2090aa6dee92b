// ONNX files as plain objects, through protobufjs and the ONNX schema (src/onnx/onnx-schema.ts).
//
// In:  an OnnxModel object (snake_case fields as in onnx.proto) to encode, or the bytes of a .onnx file to decode.
// Out: the bytes, or the decoded model with int64 fields as JS numbers and bytes as Uint8Array views. A damaged
//      file (truncated, a length past the end, a wrong wire type) is an ExprError('data') naming the file; the
//      decoder reads nothing beyond the file, so memory stays bounded by the file's size.

import protobuf from 'protobufjs/light.js';
import { ONNX_SCHEMA } from './onnx-schema.js';
import { ExprError } from '../errors.js';

// The fields exprgrad reads and writes (onnx.proto has more; they are decoded and ignored).
export interface OnnxTensor {
  name?: string;
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  int64_data?: number[];
  int32_data?: number[];
  double_data?: number[];
  raw_data?: Uint8Array;
  data_location?: number;
  external_data?: { key?: string; value?: string }[];
}
export interface OnnxAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
}
export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: OnnxAttribute[];
}
export interface OnnxDim {
  dim_value?: number;
  dim_param?: string;
}
export interface OnnxValueInfo {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: OnnxDim[] } } };
}
export interface OnnxGraph {
  name?: string;
  node?: OnnxNode[];
  initializer?: OnnxTensor[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  doc_string?: string;
}
export interface OnnxModel {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph?: OnnxGraph;
  metadata_props?: { key?: string; value?: string }[];
}

/** TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values used here. */
export const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

let modelType: protobuf.Type | undefined;
function ModelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType('onnx.ModelProto');
  return modelType;
}

export function encodeModel(model: OnnxModel): Uint8Array {
  const T = ModelProto();
  const problem = T.verify(model);
  if (problem) throw new Error(`internal: ONNX model does not fit the schema: ${problem}`);
  return T.encode(T.fromObject(model)).finish();
}

export function decodeModel(bytes: Uint8Array, where = 'ONNX file'): OnnxModel {
  const T = ModelProto();
  if (bytes.length === 0) throw new ExprError('data', `${where}: the file is empty`);
  let message: protobuf.Message;
  try {
    message = T.decode(bytes);
  } catch (err) {
    const why = (err as Error).message.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
    throw new ExprError('data', `${where}: not a readable ONNX model (damaged or truncated protobuf: ${why})`);
  }
  // int64 → number (exact below 2^53; larger values, e.g. absurd dims, are caught by the size checks); bytes as views.
  return T.toObject(message, { longs: Number, bytes: Uint8Array as unknown as typeof String, defaults: false, arrays: true }) as OnnxModel;
}
