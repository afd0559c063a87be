/**
 * The engine: float32 tensors, reverse-mode autodiff and native kernels.
 * Knows nothing about recommenders.
 */
export * from "./init.js";
export { type EngineInfo, engineInfo, native, nativeAddonPath } from "./native.js";
export * from "./ops/attention.js";
export * from "./ops/contrastive.js";
export * from "./ops/dropout.js";
export * from "./ops/elementwise.js";
export * from "./ops/embedding.js";
export * from "./ops/gathered.js";
export * from "./ops/gru.js";
export * from "./ops/loss.js";
export * from "./ops/matmul.js";
export * from "./ops/norm.js";
export * from "./ops/reduce.js";
export * from "./ops/segment.js";
export * from "./ops/shape.js";
export * from "./ops/softmax.js";
export * from "./ops/weighted.js";
export * from "./optim/adam.js";
export * from "./optim/clip.js";
export * from "./params-io.js";
export { alloc, allocUninit, pooledFloats, withBufferPool } from "./pool.js";
export { formatProfile, profileReport, profiling, resetProfile, timedSection } from "./profile.js";
export * from "./tensor.js";
