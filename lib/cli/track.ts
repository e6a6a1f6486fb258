import { loadModel } from '../model.js';
import { annotateImage } from '../image/annotate.js';
import { YoloeTrtError } from '../errors.js';
import { VideoWriter, type StreamOptions, type StreamResult, type StreamStats } from '../stream/index.js';
import { intListFlag, numberFlag, parseCommand, requireFlag } from './args.js';
import { readNamesFile } from './names.js';
import { detectionRecord } from './detect.js';

export const trackUsage = `yoloe-trt track <source> --model M [options]

  <source>           video file, rtsp:// / http:// URL, /dev/videoN, image folder or glob
  --model M          ONNX model or TensorRT engine (required)
  --tracker T        bytetrack | botsort-lite | none (default bytetrack)
  --out FILE         write an annotated video (.mp4 H.264, .avi MJPEG): boxes, track ids, masks
  --json             print one JSON line per frame to stdout
  --backend B        auto | cpu | tensorrt (default auto)
  --conf X           confidence threshold (default 0.1 when tracking, as Ultralytics' track; else 0.25)
  --iou X            NMS IoU threshold (default 0.7)
  --classes 0,2      keep only these class ids
  --policy P         latest | all (default: latest for live sources, all for files)
  --realtime         read a file at its native rate, like a camera
  --names FILE       class names, one per line (for models without metadata)`;

/** The JSON line of one frame: every frame present, trackId only on tracked detections. */
export function frameRecord(r: StreamResult) {
  return {
    frame: r.frame,
    time: Math.round(r.time * 1e6) / 1e6,
    width: r.width,
    height: r.height,
    detections: r.detections.map((d) => ({
      ...detectionRecord(d),
      ...(d.trackId !== undefined ? { trackId: d.trackId } : {}),
    })),
  };
}

function progressLine(s: StreamStats): string {
  const total = s.expectedFrames;
  const fps = s.fps.toFixed(1);
  if (!total) return `frames ${s.processed} ${fps} fps`;
  const left = Math.max(0, total - s.processed);
  const eta = s.fps > 0 ? `${Math.ceil(left / s.fps)}s` : '?';
  return `frames ${s.processed}/${total} ${Math.min(100, Math.round((100 * s.processed) / total))}% ${fps} fps ETA ${eta}`;
}

export async function trackCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream = process.stderr): Promise<void> {
  const { values, positionals } = parseCommand(argv, {
    model: { type: 'string', short: 'm' },
    tracker: { type: 'string' },
    out: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
    backend: { type: 'string' },
    conf: { type: 'string' },
    iou: { type: 'string' },
    classes: { type: 'string' },
    policy: { type: 'string' },
    realtime: { type: 'boolean' },
    names: { type: 'string' },
  });
  if (values.help) {
    out.write(`${trackUsage}\n`);
    return;
  }
  if (positionals.length !== 1) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected one source for track but received ${positionals.length}`);
  const tracker = values.tracker ?? 'bytetrack';
  if (tracker !== 'bytetrack' && tracker !== 'botsort-lite' && tracker !== 'none') {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected bytetrack, botsort-lite or none for --tracker but received ${JSON.stringify(tracker)}`, { option: 'tracker' });
  }
  if (!values.out && !values.json) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected --out FILE or --json for track (or both)');
  const names = values.names ? await readNamesFile(values.names) : undefined;
  const model = await loadModel(requireFlag('model', values.model), { backend: values.backend as never, ...(names ? { names } : {}) });
  const options: StreamOptions = {
    track: tracker === 'none' ? false : tracker,
    conf: numberFlag('conf', values.conf),
    iou: numberFlag('iou', values.iou),
    classes: intListFlag('classes', values.classes),
    policy: values.policy as never,
    realtime: values.realtime,
  };
  for (const k of Object.keys(options) as (keyof StreamOptions)[]) if (options[k] === undefined) delete options[k];
  const stream = model.stream(positionals[0]!, options);
  let writer: VideoWriter | undefined;
  let lastProgress = 0;
  try {
    for await (const r of stream) {
      if (values.json) out.write(`${JSON.stringify(frameRecord(r))}\n`);
      if (values.out) {
        writer ??= new VideoWriter(values.out, r.fps);
        await writer.write({ data: await annotateImage(r.image, r.detections, { format: 'raw' }), width: r.width, height: r.height });
      }
      if (performance.now() - lastProgress > 1000) {
        lastProgress = performance.now();
        err.write(`${progressLine(stream.stats())}\n`);
      }
    }
    err.write(`${progressLine(stream.stats())} done\n`);
    if (writer && (await writer.close())) err.write(`wrote ${values.out}\n`);
    writer = undefined;
  } finally {
    stream.close();
    await writer?.abort();
    await model.dispose();
  }
}
