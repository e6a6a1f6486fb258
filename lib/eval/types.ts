/**
 * COCO data shapes as the official JSON spells them (snake_case on purpose: these objects are
 * read from and written to COCO files unchanged).
 */
import type { CocoRle } from '../types.js';

/** Compressed COCO RLE: `counts` is pycocotools' LEB128-like string. */
export interface CocoCompressedRle {
  size: [number, number]; // [height, width]
  counts: string;
}

/** A list of polygons, each `[x0, y0, x1, y1, ...]` in pixels. */
export type CocoPolygons = number[][];

export type CocoSegmentation = CocoPolygons | CocoRle | CocoCompressedRle;

export interface CocoImage {
  id: number;
  width: number;
  height: number;
  file_name?: string;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height] in pixels */
  bbox: [number, number, number, number];
  /** the area COCOeval uses for the small/medium/large split */
  area: number;
  iscrowd: 0 | 1;
  segmentation?: CocoSegmentation;
}

export interface CocoGroundTruth {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** One prediction in COCO results format. */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  score: number;
  /** [x, y, width, height]; required for 'bbox' unless a segmentation is given */
  bbox?: [number, number, number, number];
  /** required for 'segm' */
  segmentation?: CocoSegmentation;
}

export type IouType = 'bbox' | 'segm';
