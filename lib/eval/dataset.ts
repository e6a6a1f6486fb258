/**
 * Ground truth for COCO evaluation, from an official COCO instances JSON or from an
 * Ultralytics dataset (data YAML + YOLO label files). Both produce the same CocoGroundTruth
 * plus the mapping from a model's class index to the COCO category id.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import sharp from 'sharp';
import { YoloeTrtError } from '../errors.js';
import type { CocoAnnotation, CocoCategory, CocoGroundTruth, CocoImage } from './types.js';
import { parseDatasetYaml, type YamlValue } from './yaml.js';
import { checkKnownKeys } from '../validate.js';
import { checkSourceFile } from '../fs/source-file.js';

export interface GroundTruthDataset {
  gt: CocoGroundTruth;
  /** class index of the model (YOLO label index) -> COCO category id */
  classToCategory: number[];
  /** class names by class index */
  names: string[];
  /** image id -> image file, where known */
  imagePaths: Map<number, string>;
  /** where the small/medium/large `area` of each annotation came from */
  areaSource: 'coco-json' | 'polygon' | 'box';
}

/** COCO's 80 category ids in YOLO class order (the sorted ids of instances_*.json). */
export const COCO80_CATEGORY_IDS: readonly number[] = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39,
  40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76,
  77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
];

const IMAGE_EXTENSIONS = new Set(['.bmp', '.dng', '.jpeg', '.jpg', '.mpo', '.png', '.tif', '.tiff', '.webp', '.pfm', '.heic']);

function datasetError(message: string, details?: Record<string, unknown>): YoloeTrtError {
  return new YoloeTrtError('ERR_DATASET', message, details);
}

function readText(path: string, what: string): string {
  if (!existsSync(path)) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `${what} not found: ${path}`, { path });
  checkSourceFile(path, what, 2 ** 30); // a folder or FIFO: typed, never a hang
  return readFileSync(path, 'utf8');
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

// ---------------------------------------------------------------- COCO JSON

export interface CocoJsonOptions {
  /** folder holding the images; default: `images/<split>` or `<split>` next to the annotations folder, if it exists */
  imagesDir?: string;
}

/**
 * Loads a COCO instances JSON. Annotation order and fields are kept as in the file (they
 * decide tie-breaking in COCOeval). The YOLO class index of a category is the position of its
 * id in the sorted list of category ids (the COCO-80 convention).
 * @example const { gt, classToCategory } = await loadCocoJson('annotations/instances_val2017.json');
 */
export async function loadCocoJson(path: string, options: CocoJsonOptions = {}): Promise<GroundTruthDataset> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(path, 'COCO annotations file'));
  } catch (error) {
    if (error instanceof YoloeTrtError) throw error;
    throw datasetError(`${path} is not valid JSON: ${(error as Error).message}`, { path });
  }
  const gt = validateCocoJson(parsed, path);
  const categories = [...gt.categories].sort((a, b) => a.id - b.id);
  const imagesDir = options.imagesDir ?? guessImagesDir(path);
  const imagePaths = new Map<number, string>();
  if (imagesDir) for (const image of gt.images) if (image.file_name) imagePaths.set(image.id, join(imagesDir, image.file_name));
  return { gt, classToCategory: categories.map((c) => c.id), names: categories.map((c) => c.name), imagePaths, areaSource: 'coco-json' };
}

function guessImagesDir(jsonPath: string): string | undefined {
  const split = /^instances_(.+)\.json$/.exec(basename(jsonPath))?.[1];
  if (!split) return undefined;
  const root = dirname(dirname(resolve(jsonPath)));
  return [join(root, 'images', split), join(root, split)].find((dir) => existsSync(dir));
}

function validateCocoJson(data: unknown, path: string): CocoGroundTruth {
  const d = data as Partial<Record<'images' | 'annotations' | 'categories', unknown>>;
  if (!d || typeof d !== 'object' || !Array.isArray(d.images) || !Array.isArray(d.annotations) || !Array.isArray(d.categories)) {
    throw datasetError(`${path} is not a COCO instances file: it needs "images", "annotations" and "categories" arrays`, { path });
  }
  const images = d.images.map((raw: unknown, i): CocoImage => {
    const im = raw as Partial<CocoImage>;
    if (!im || !isFiniteNumber(im.id) || !isFiniteNumber(im.width) || !isFiniteNumber(im.height)) {
      throw datasetError(`${path}: images[${i}] needs numeric id, width and height`, { path });
    }
    return im as CocoImage;
  });
  const categories = d.categories.map((raw: unknown, i): CocoCategory => {
    const c = raw as Partial<CocoCategory>;
    if (!c || !isFiniteNumber(c.id)) throw datasetError(`${path}: categories[${i}] needs a numeric id`, { path });
    return { ...c, id: c.id, name: typeof c.name === 'string' ? c.name : String(c.id) };
  });
  const annotations = d.annotations.map((raw: unknown, i): CocoAnnotation => {
    const a = raw as Partial<CocoAnnotation>;
    if (!a || !isFiniteNumber(a.id) || !isFiniteNumber(a.image_id) || !isFiniteNumber(a.category_id)) {
      throw datasetError(`${path}: annotations[${i}] needs numeric id, image_id and category_id`, { path });
    }
    if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || !a.bbox.every(isFiniteNumber)) {
      throw datasetError(`${path}: annotations[${i}] (id ${a.id}) needs bbox [x, y, w, h]`, { path });
    }
    if (!isFiniteNumber(a.area)) throw datasetError(`${path}: annotations[${i}] (id ${a.id}) needs a numeric area`, { path });
    return { ...a, iscrowd: a.iscrowd ? 1 : 0 } as CocoAnnotation;
  });
  return { images, annotations, categories };
}

// ---------------------------------------------------------------- Ultralytics dataset

export interface YoloDatasetOptions {
  /** which split of the YAML to load; default 'val' */
  split?: 'train' | 'val' | 'test';
  /** read labels from this folder (`<stem>.txt`) instead of Ultralytics' images -> labels path swap */
  labelsDir?: string;
}

/**
 * Loads an Ultralytics dataset: `path` (relative to the YAML's folder), the split's image
 * folder(s) or image-list .txt, and `names` (list or index map). Labels `cls cx cy w h` give
 * box annotations with area = box area; labels `cls x1 y1 x2 y2 ...` give polygon annotations
 * with area = polygon (shoelace) area and bbox = the polygon's extent. Normalised coordinates
 * are scaled by the EXIF-corrected image size (read with sharp), as Ultralytics does.
 * Category ids: COCO's ids when the dataset has 80 classes (so results line up with the
 * official JSON), otherwise class index + 1. Image ids: the numeric file stems when all stems
 * are numeric and distinct (COCO file names), otherwise 1..N in sorted path order.
 * @example const { gt } = await loadYoloDataset('coco128.yaml', { split: 'val' });
 */
export async function loadYoloDataset(yamlPath: string, options: YoloDatasetOptions = {}): Promise<GroundTruthDataset> {
  const split = options.split ?? 'val';
  const yaml = parseDatasetYaml(readText(yamlPath, 'Dataset YAML'), yamlPath);
  const root = resolve(dirname(resolve(yamlPath)), typeof yaml.path === 'string' ? yaml.path : '.');
  const names = readNames(yaml.names, yamlPath);
  const splitValue = yaml[split];
  if (splitValue === undefined || splitValue === null) throw datasetError(`${yamlPath} has no "${split}" entry`, { path: yamlPath });
  const entries = (Array.isArray(splitValue) ? splitValue : [splitValue]).map(String);
  const imageFiles = entries.flatMap((entry) => listImages(isAbsolute(entry) ? entry : join(root, entry))).sort();
  if (imageFiles.length === 0) throw datasetError(`No images found for split "${split}" of ${yamlPath}`, { path: yamlPath });

  const stems = imageFiles.map((f) => basename(f, extname(f)));
  const numericIds = stems.every((s) => /^\d+$/.test(s)) && new Set(stems.map(Number)).size === stems.length;
  const classToCategory = names.length === 80 ? [...COCO80_CATEGORY_IDS] : names.map((_, i) => i + 1);

  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  const imagePaths = new Map<number, string>();
  let sawPolygon = false;
  let sawBox = false;
  for (let i = 0; i < imageFiles.length; i++) {
    const file = imageFiles[i]!;
    const id = numericIds ? Number(stems[i]) : i + 1;
    const { width, height } = await exifSize(file);
    images.push({ id, width, height, file_name: basename(file) });
    imagePaths.set(id, file);
    const labelFile = options.labelsDir ? join(options.labelsDir, `${stems[i]}.txt`) : imageToLabelPath(file);
    if (!existsSync(labelFile)) continue; // a background image
    for (const label of parseLabelFile(readFileSync(labelFile, 'utf8'), labelFile, names.length)) {
      const base = { id: annotations.length + 1, image_id: id, category_id: classToCategory[label.cls]!, iscrowd: 0 as const };
      if (label.polygon) {
        sawPolygon = true;
        const pts = label.polygon.map((v, j) => v * (j % 2 === 0 ? width : height));
        annotations.push({ ...base, bbox: polygonExtent(pts), area: polygonArea(pts), segmentation: [pts] });
      } else {
        sawBox = true;
        const [cx, cy, w, h] = label.box!;
        const bw = w * width;
        const bh = h * height;
        annotations.push({ ...base, bbox: [(cx - w / 2) * width, (cy - h / 2) * height, bw, bh], area: bw * bh });
      }
    }
  }
  const categories = names.map((name, i) => ({ id: classToCategory[i]!, name }));
  const areaSource = sawPolygon && !sawBox ? 'polygon' : 'box';
  if (sawPolygon && sawBox) {
    throw datasetError(`Split "${split}" of ${yamlPath} mixes box and polygon labels; use one kind per dataset`, { path: yamlPath });
  }
  return { gt: { images, annotations, categories }, classToCategory, names, imagePaths, areaSource };
}

function readNames(value: YamlValue | undefined, yamlPath: string): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [Number(k), String(v)] as const);
    entries.sort((a, b) => a[0] - b[0]);
    entries.forEach(([k], i) => {
      if (k !== i) throw datasetError(`${yamlPath}: names must be indexed 0..${entries.length - 1} without gaps`, { path: yamlPath });
    });
    return entries.map(([, v]) => v);
  }
  throw datasetError(`${yamlPath} needs "names" as a list or an index: name map`, { path: yamlPath });
}

function listImages(entry: string): string[] {
  if (!existsSync(entry)) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Dataset image folder or list not found: ${entry}`, { path: entry });
  if (statSync(entry).isFile()) {
    // an image list: one path per line, relative to the list's folder
    return readFileSync(entry, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((l) => (isAbsolute(l) ? l : resolve(dirname(entry), l)));
  }
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(full);
    }
  };
  walk(entry);
  return out;
}

/** Ultralytics' img2label_paths: the last `/images/` becomes `/labels/`, the extension `.txt`. */
export function imageToLabelPath(imagePath: string): string {
  const marker = `${sep}images${sep}`;
  const at = imagePath.lastIndexOf(marker);
  const swapped = at < 0 ? imagePath : `${imagePath.slice(0, at)}${sep}labels${sep}${imagePath.slice(at + marker.length)}`;
  return swapped.slice(0, swapped.length - extname(swapped).length) + '.txt';
}

/** Image size after EXIF rotation, as Ultralytics' exif_size (which swaps for orientations 6 and 8 only). */
async function exifSize(file: string): Promise<{ width: number; height: number }> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(file).metadata();
  } catch (error) {
    throw new YoloeTrtError('ERR_IMAGE_DECODE', `Cannot read the size of ${file}: ${(error as Error).message}`, { path: file });
  }
  if (!meta.width || !meta.height) throw new YoloeTrtError('ERR_IMAGE_DECODE', `Cannot read the size of ${file}`, { path: file });
  return meta.orientation === 6 || meta.orientation === 8 ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
}

interface YoloLabel {
  cls: number;
  box?: [number, number, number, number];
  polygon?: number[];
}

/** Parses one label file; identical lines are dropped as Ultralytics does. */
export function parseLabelFile(text: string, file: string, nc: number): YoloLabel[] {
  const seen = new Set<string>();
  const labels: YoloLabel[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const fields = line.trim().split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) return;
    const where = `${file}:${index + 1}`;
    const values = fields.map(Number);
    if (values.some((v) => !Number.isFinite(v))) throw datasetError(`${where}: label values must be numbers`, { path: file, line: index + 1 });
    const cls = values[0]!;
    if (!Number.isInteger(cls) || cls < 0 || cls >= nc) throw datasetError(`${where}: class ${fields[0]} is outside 0..${nc - 1}`, { path: file, line: index + 1 });
    const key = values.join(' ');
    if (seen.has(key)) return;
    seen.add(key);
    if (values.length === 5) labels.push({ cls, box: [values[1]!, values[2]!, values[3]!, values[4]!] });
    else if (values.length >= 7 && values.length % 2 === 1) labels.push({ cls, polygon: values.slice(1) });
    else throw datasetError(`${where}: expected "cls cx cy w h" or "cls x1 y1 x2 y2 x3 y3 ..." but found ${values.length} numbers`, { path: file, line: index + 1 });
  });
  return labels;
}

function polygonExtent(pts: number[]): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < pts.length; i += 2) {
    x0 = Math.min(x0, pts[i]!);
    x1 = Math.max(x1, pts[i]!);
    y0 = Math.min(y0, pts[i + 1]!);
    y1 = Math.max(y1, pts[i + 1]!);
  }
  return [x0, y0, x1 - x0, y1 - y0];
}

/** Shoelace area in pixels. */
export function polygonArea(pts: number[]): number {
  const n = pts.length / 2;
  let twice = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    twice += pts[2 * i]! * pts[2 * j + 1]! - pts[2 * j]! * pts[2 * i + 1]!;
  }
  return Math.abs(twice) / 2;
}

/** Every key loadGroundTruth() accepts (CocoJsonOptions and YoloDatasetOptions); add new options here. */
export const GROUND_TRUTH_OPTION_KEYS: readonly string[] = ['imagesDir', 'split', 'labelsDir'];

/**
 * Either kind by file name: `.json` is a COCO instances file, `.yaml`/`.yml` an Ultralytics dataset.
 */
export async function loadGroundTruth(path: string, options: CocoJsonOptions & YoloDatasetOptions = {}): Promise<GroundTruthDataset> {
  checkKnownKeys('loadGroundTruth', options, GROUND_TRUTH_OPTION_KEYS);
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return loadCocoJson(path, options);
  if (ext === '.yaml' || ext === '.yml') return loadYoloDataset(path, options);
  throw datasetError(`Expected a COCO .json or an Ultralytics .yaml dataset but received ${path}`, { path });
}
