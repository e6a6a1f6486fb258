/**
 * The ONNX layer: a protobuf codec of our own, typed ONNX messages, model descriptions,
 * Ultralytics metadata, graph building and graph edits. (The synthetic test heads live in test/synthetic.)
 */
export { ProtoReader, ProtoWriter, type Int64, type UnknownField } from './protobuf.js';
export * from './proto-types.js';
export { readOnnx, writeOnnx, loadOnnxFile, readModelBytes } from './model.js';
export { tensorToFloat32, makeTensor, dtypeToOnnx, onnxToDtype, onnxTypeName, elementCount, type TensorValues } from './tensor.js';
export { floatToHalf, halfToFloat, toHalfArray, fromHalfArray, toHalfArrayClamped, FLOAT16_MAX } from '../image/fp16.js';
export { readModelDescription, describeModel, readOnnxMetadata, metadataFromBytes, metadataRecord, defaultOpsetVersion, type ModelDescription } from './info.js';
export { parsePythonLiteral, pythonRepr, pythonStringRepr, type PyValue } from './python-literal.js';
export { parseUltralyticsMetadata, formatUltralyticsMetadata, type UltralyticsMetadata, type UltralyticsMetadataInput } from './metadata.js';
export { node, initializer, valueInfo, attribute, makeModel, type AttrValue, type ModelSpec, type FloatAttr, type FloatsAttr } from './build.js';
export { addIntermediateOutputs, listNodes, convertToFp16, type NodeFilter, type Fp16Options } from './edit.js';
export { inferElemTypes } from './infer-types.js';
