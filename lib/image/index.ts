/** The image layer: decode, letterbox geometry, OpenCV-exact resize, tensor packing, fp16, annotation. */
export { decodeImage, decodeImages, fromRawPixels } from './decode.js';
export { letterboxGeometry, type LetterboxOptions } from './letterbox.js';
export { resizeBilinearU8 } from './resize.js';
export { PAD_VALUE, batchGeometries, letterboxInto, letterboxU8, preprocess, type PackOptions, type PreprocessOptions } from './pack.js';
export { floatToHalf, halfToFloat, toHalfArray, fromHalfArray, U8_TO_HALF, U8_TO_FLOAT } from './fp16.js';
export { pythonRound } from './round.js';
export { annotateImage, PALETTE, type AnnotateOptions } from './annotate.js';
