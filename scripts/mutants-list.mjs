// Mutations for scripts/mutants.mjs: each is one deliberate bug (the `search` text, found exactly
// once in `file`, becomes `replace`) and the test files that must catch it. `owner` marks
// mutants whose killing tests belong to another branch's work (issue 12 split). `build: 'addon'`
// rebuilds the native addon first (slow; --skip-native leaves these out).
const LETTERBOX = ['test/image.geometry.test.ts', 'test/image.letterbox-cv2.test.ts'];
const NMS = ['test/decode.candidates.test.ts', 'test/decode.nms-torchvision.test.ts'];
const MASKS = ['test/decode.masks.test.ts'];
const EVAL = ['test/eval-cocoeval.test.ts', 'test/eval-golden.test.ts', 'test/eval-pycocotools.test.ts'];
const QPARAMS = ['test/quantize.params.test.ts', 'test/quantize.qdq.test.ts'];
const ENTROPY = ['test/quantize-math.test.ts', 'test/quantize.entropy-golden.test.ts'];
const ENGINE = ['test/engine-file.test.ts', 'test/tensorrt-backend.test.ts'];
const TRT = ['test/tensorrt-backend.test.ts', 'test/tensorrt-build-options.test.ts'];

export const MUTANTS = [
  // ---- issue 12, section 3 (survivors of the first mutation check)
  { id: 'letterbox-auto-stride', file: 'lib/image/letterbox.ts', search: 'padW %= stride;\n    padH %= stride;', replace: 'padW %= 32;\n    padH %= 32;', tests: LETTERBOX, what: 'auto mode ignores the stride' },
  { id: 'nms-iou-f64', file: 'lib/decode/nms.ts', search: 'const ovr = f32(inter / f32(f32(iarea + area[j]) - inter));', replace: 'const ovr = inter / (iarea + area[j] - inter);', tests: NMS, what: 'IoU computed in float64' },
  { id: 'nms-inter-f64', file: 'lib/decode/nms.ts', search: 'const inter = f32(w * h);', replace: 'const inter = w * h;', tests: NMS, what: 'intersection not rounded to float32' },
  { id: 'masks-acc-f32', file: 'lib/decode/masks.ts', search: 'const acc = new Float64Array((r1 - r0) * rw);', replace: 'const acc = new Float32Array((r1 - r0) * rw);', tests: MASKS, what: 'mask logits accumulated in float32' },
  { id: 'eval-area-exclusive', file: 'lib/eval/evaluate-image.ts', search: 'g.area < lo || g.area > hi', replace: 'g.area <= lo || g.area >= hi', tests: EVAL, what: 'area range bounds exclusive' },
  { id: 'eval-tie-first-gt', file: 'lib/eval/evaluate-image.ts', search: '          if (iou < best) continue;\n          // ">="', replace: '          if (iou <= best && m > -1) continue;\n          // ">="', tests: EVAL, what: 'equal-IoU tie goes to the earlier ground truth' },
  { id: 'eval-tie-or-threshold', file: 'lib/eval/evaluate-image.ts', search: '          if (iou < best) continue;', replace: '          if (iou <= best) continue;', tests: EVAL, what: 'IoU equal to the threshold or to the best so far skipped' },
  { id: 'qdq-per-tensor', file: 'lib/quantize/qdq-write.ts', search: 'const scales = amax.map((a) => (a > 0 ? a / 127 : 1));', replace: 'const scales = amax.map(() => Math.max(...amax) / 127 || 1);', tests: QPARAMS, what: 'per-channel weight scales collapsed to per-tensor' },
  { id: 'qdq-zero-point-floor', file: 'lib/quantize/qdq-write.ts', search: 'Math.round(-lo / scale)', replace: 'Math.floor(-lo / scale)', tests: QPARAMS, what: 'uint8 zero point floored' },
  { id: 'qdq-amax-128', file: 'lib/quantize/qdq-write.ts', search: 'scale: amax > 0 ? f32(amax / 127) : 1', replace: 'scale: amax > 0 ? f32(amax / 128) : 1', tests: QPARAMS, what: 'activation scale amax/128' },
  { id: 'placement-convtranspose-axis', file: 'lib/quantize/placement.ts', search: "case 'ConvTranspose': return 1;", replace: "case 'ConvTranspose': return 0;", tests: ['test/quantize.qdq.test.ts', 'test/quantize.params.test.ts'], what: 'ConvTranspose weights quantized along axis 0' },
  { id: 'entropy-amax-shift', file: 'lib/quantize/calibrators.ts', search: '(bestBins + 0.5) * hist.binWidth', replace: '(bestBins + 9) * hist.binWidth', tests: ENTROPY, what: 'entropy amax shifted 8.5 bins' },
  { id: 'trt-cache-16-hex', file: 'lib/quantize/trt-cache.ts', search: '/^[0-9a-fA-F]{1,8}$/', replace: '/^[0-9a-fA-F]{1,16}$/', tests: ['test/quantize-math.test.ts', 'test/quantize.params.test.ts'], what: 'calibration cache accepts 16 hex digits' },
  { id: 'engine-ts-version-0', owner: 'trt', file: 'lib/backends/engine-file.ts', search: 'formatVersion === 0 || formatVersion > ENGINE_FORMAT_VERSION', replace: 'formatVersion > ENGINE_FORMAT_VERSION', tests: ENGINE, what: 'engine format version 0 accepted (TS)' },
  { id: 'engine-ts-cc-major', owner: 'trt', file: 'lib/backends/engine-file.ts', search: 'if (builtGpu.computeCapability !== runtime.gpu.computeCapability) {', replace: "if (builtGpu.computeCapability.split('.')[0] !== runtime.gpu.computeCapability.split('.')[0]) {", tests: ENGINE, what: 'compute capability compared by major only' },
  { id: 'engine-cpp-version-0', owner: 'trt', build: 'addon', file: 'native/tensorrt/engine_file.cpp', search: 'header.formatVersion == 0 || header.formatVersion > kEngineFormatVersion', replace: 'header.formatVersion > kEngineFormatVersion', tests: ['test/tensorrt-binding.test.ts'], what: 'engine format version 0 accepted (C++)' },
  { id: 'engine-cpp-no-plan', owner: 'trt', build: 'addon', file: 'native/tensorrt/engine_file.cpp', search: '4ull + length < fileSize', replace: '4ull + length <= fileSize', tests: ['test/tensorrt-binding.test.ts'], what: 'Ultralytics header with no plan accepted (C++)' },
  { id: 'engine-cpp-closing-brace', owner: 'trt', build: 'addon', file: 'native/tensorrt/engine_file.cpp', search: "return json[end - 1] == '}';", replace: 'return true;', tests: ['test/tensorrt-binding.test.ts'], what: 'Ultralytics JSON closing brace unchecked (C++)' },
  { id: 'trt-avail-no-lib', owner: 'trt', file: 'lib/backends/tensorrt.ts', search: '  if (!probe.found) {\n    return {', replace: '  if (false) {\n    return {', tests: TRT, what: 'availability: libnvinfer missing not reported' },
  { id: 'trt-avail-no-driver', owner: 'trt', file: 'lib/backends/tensorrt.ts', search: 'if (cuda.driverVersion === null || cuda.driverVersion === 0) {', replace: 'if (false) {', tests: TRT, what: 'availability: missing NVIDIA driver not reported' },
  { id: 'trt-avail-no-gpu', owner: 'trt', file: 'lib/backends/tensorrt.ts', search: "if (cuda.devices.length === 0) return { usable: false, probe, reason: 'no CUDA GPU was found'", replace: "if (false) return { usable: false, probe, reason: 'no CUDA GPU was found'", tests: TRT, what: 'availability: no GPU not reported' },
  { id: 'trt-avail-bad-device', owner: 'trt', file: 'lib/backends/tensorrt.ts', search: '    const gpu = cuda.devices[device];\n    if (!gpu) {', replace: '    const gpu = cuda.devices[device] ?? cuda.devices[0];\n    if (!gpu) {', tests: TRT, what: 'availability: nonexistent device index falls back to device 0' },
  // ---- added with issue 12's tests (independent references: cv2, CPython)
  { id: 'polygons-keep-inner', file: 'lib/decode/polygons.ts', search: '    if (!outside[p - 1]) continue;\n', replace: '', tests: ['test/decode.polygons-cv2.test.ts'], what: 'components inside a hole reported as external' },
  { id: 'polygons-keep-collinear', file: 'lib/decode/polygons.ts', search: 'if (pts[i] - prev !== next - pts[i]) kept.push(pts[i]);', replace: 'kept.push(pts[i]);', tests: ['test/decode.polygons-cv2.test.ts'], what: 'straight runs not reduced to end points' },
  { id: 'python-repr-ascii-only', file: 'lib/onnx/python-literal.ts', search: 'code < 0x20 || (code >= 0x7f && NOT_PRINTABLE.test(ch))', replace: 'code < 0x20 || code === 0x7f', tests: ['test/onnx.python-repr.test.ts'], what: 'repr escapes only ASCII controls (the old behaviour)' },
  { id: 'python-repr-no-U', file: 'lib/onnx/python-literal.ts', search: 'if (code < 0x10000) return', replace: 'if (code < 0x110000) return', tests: ['test/onnx.python-repr.test.ts'], what: 'astral escapes written as \\u' },
  { id: 'doctor-no-driver', file: 'lib/capabilities.ts', search: '  if (cuda.driverVersion === null) {', replace: '  if (false) {', tests: ['test/doctor.test.ts'], what: 'doctor: missing NVIDIA driver not reported' },
  { id: 'doctor-no-device', file: 'lib/capabilities.ts', search: '  if (cuda.devices.length === 0) {', replace: '  if (false) {', tests: ['test/doctor.test.ts'], what: 'doctor: no CUDA device not reported' },
  { id: 'doctor-trt-not-found', file: 'lib/capabilities.ts', search: '  if (!tensorrt.found) {', replace: '  if (false) {', tests: ['test/doctor.test.ts'], what: 'doctor: libnvinfer missing at run time reported usable' },
  { id: 'doctor-cuda-version', file: 'lib/capabilities.ts', search: 'Math.floor((v % 1000) / 10)', replace: 'Math.floor((v % 1000) / 100)', tests: ['test/doctor.test.ts'], what: 'doctor: CUDA 12060 printed as 12.0' },
  { id: 'yaml-no-mapping-check', file: 'lib/eval/yaml.ts', search: "if (value === null || typeof value !== 'object' || Array.isArray(value)) {", replace: 'if (false) {', tests: ['test/eval-dataset.test.ts'], what: 'a dataset YAML that is not a mapping accepted' },
  { id: 'nms-cpp-iou-f64', build: 'addon', file: 'native/core/nms.cpp', search: 'const float ovr = inter / ((area[i] + area[j]) - inter);', replace: 'const double ovr = static_cast<double>(inter) / ((static_cast<double>(area[i]) + area[j]) - inter);', tests: ['test/decode.nms-torchvision.test.ts'], what: 'C++ twin: IoU computed in float64' },
  { id: 'nms-cpp-inter-f64', build: 'addon', file: 'native/core/nms.cpp', search: 'const float inter = w * h;', replace: 'const double inter = static_cast<double>(w) * h;', tests: ['test/decode.nms-torchvision.test.ts'], what: 'C++ twin: intersection not rounded to float32' },
  { id: 'masks-cpp-acc-f32', build: 'addon', file: 'native/core/masks.cpp', search: 'accumulateRow(acc.data(), static_cast<double>(ck), protos + static_cast<size_t>(k) * plane + at, lw);', replace: 'accumulateRow(acc.data(), static_cast<double>(ck), protos + static_cast<size_t>(k) * plane + at, lw); for (auto& a : acc) a = static_cast<float>(a);', tests: ['test/decode.masks.test.ts'], what: 'C++ twin: mask logits accumulated in float32' },
  { id: 'letterbox-pad-no-offset', file: 'lib/image/letterbox.ts', search: 'const top = center ? pythonRound(dh - 0.1) : 0;', replace: 'const top = center ? pythonRound(dh) : 0;', tests: LETTERBOX, what: 'odd pad split without the -0.1 offset' },
  { id: 'eval-crowd-once', file: 'lib/eval/evaluate-image.ts', search: 'if (gtTaken[gi] && !gtCrowd[gi]) continue;', replace: 'if (gtTaken[gi]) continue;', tests: EVAL, what: 'a crowd ground truth matches only one detection' },
  { id: 'python-repr-quote', file: 'lib/onnx/python-literal.ts', search: `const quote = s.includes("'") && !s.includes('"') ? '"' : "'";`, replace: `const quote = s.includes("'") ? '"' : "'";`, tests: ['test/onnx.python-repr.test.ts'], what: 'double quotes whenever the text holds a single quote' },
];
