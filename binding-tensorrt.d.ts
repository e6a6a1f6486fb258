/** Placeholder until the TensorRT part lands its own declaration of the `tensorrt` binding. */
export interface TensorRtBinding {
  [k: string]: unknown;
}
