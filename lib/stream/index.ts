export { StreamGroup, VideoStream, type StreamDetection, type StreamResult } from './group.js';
export { resolveStreamOptions, type StreamOptions } from './options.js';
export type { StreamSource } from './sources.js';
export type { StreamStats } from './stats.js';
export type { BackPressurePolicy } from './frame-buffer.js';
export { ffmpegPath } from './ffmpeg.js';
export { VideoWriter } from './video-writer.js';
