/**
 * The ONNX layer: a protobuf codec of our own, typed ONNX messages, model descriptions,
 * Ultralytics metadata, graph building, synthetic test heads and graph edits.
 */
export { ProtoReader, ProtoWriter, type Int64, type UnknownField } from './protobuf.js';
export * from './proto-types.js';
export { readOnnx, writeOnnx, loadOnnxFile, readModelBytes } from './model.js';
export { tensorToFloat32, makeTensor, dtypeToOnnx, onnxToDtype, onnxTypeName, elementCount, type TensorValues } from './tensor.js';
export { float32ToHalfBits, halfBitsToFloat32, float32ArrayToHalf, halfArrayToFloat32, FLOAT16_MAX } from './half.js';
export { readModelDescription, describeModel, readOnnxMetadata, metadataFromBytes, metadataRecord, defaultOpsetVersion, type ModelDescription } from './info.js';
export { parsePythonLiteral, pythonRepr, pythonStringRepr, type PyValue } from './python-literal.js';
export { parseUltralyticsMetadata, formatUltralyticsMetadata, type UltralyticsMetadata, type UltralyticsMetadataInput } from './metadata.js';
export { node, initializer, valueInfo, attribute, makeModel, type AttrValue, type ModelSpec, type FloatAttr, type FloatsAttr } from './build.js';
export {
  makeSyntheticHeadModel,
  endToEndHeadSpec,
  rawHeadValues,
  rawHeadDefaultBox,
  anchorCount,
  patternValue,
  protoValue,
  makeProtos,
  type SyntheticHeadSpec,
  type ConstHeadSpec,
  type RawHeadSpec,
  type SyntheticOutput,
  type HotScore,
  type EndToEndRow,
  type EndToEndHeadOptions,
} from './generate.js';
export { addIntermediateOutputs, listNodes, convertToFp16, type NodeFilter, type Fp16Options } from './edit.js';
export { inferElemTypes } from './infer-types.js';
export { writeSyntheticTestModels, syntheticTestModelSpecs, E2E_ROWS, PROMPT_FREE_HOT, PROMPT_FREE_CLASSES } from './test-models.js';
