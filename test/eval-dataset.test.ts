/**
 * Ground-truth loaders on the real coco128 fixture (official JSON and the Ultralytics YOLO
 * labels of the same 128 images), plus the minimal YAML reader.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCoco } from '../lib/eval/cocoeval.js';
import { COCO80_CATEGORY_IDS, imageToLabelPath, loadCocoJson, loadGroundTruth, loadYoloDataset, parseLabelFile } from '../lib/eval/dataset.js';
import { parseDatasetYaml } from '../lib/eval/yaml.js';
import type { CocoAnnotation, CocoDetection } from '../lib/eval/types.js';
import { fixture } from './fixtures.js';

const cocoJson = () => fixture('coco128', 'annotations', 'instances_train2017.json');
const cocoYaml = () => fixture('coco128', 'coco128.yaml');

function asDetections(annotations: CocoAnnotation[], withMasks = false): CocoDetection[] {
  return annotations.map((a) => ({ image_id: a.image_id, category_id: a.category_id, bbox: a.bbox, score: 1, ...(withMasks ? { segmentation: a.segmentation } : {}) }));
}

/** Boxes per image+category, to compare two ground truths as multisets. */
function boxIndex(annotations: CocoAnnotation[]): Map<string, number[][]> {
  const index = new Map<string, number[][]>();
  for (const a of annotations) {
    const key = `${a.image_id}/${a.category_id}`;
    index.set(key, [...(index.get(key) ?? []), a.bbox]);
  }
  return index;
}

describe('COCO instances JSON (coco128)', () => {
  it('loads 128 images, 939 annotations (10 crowd), 80 categories in sorted-id class order', async () => {
    const ds = await loadCocoJson(cocoJson());
    expect(ds.gt.images).toHaveLength(128);
    expect(ds.gt.annotations).toHaveLength(939);
    expect(ds.gt.annotations.filter((a) => a.iscrowd).length).toBe(10);
    expect(ds.classToCategory).toEqual(COCO80_CATEGORY_IDS);
    expect(ds.names[0]).toBe('person');
    expect(ds.names[79]).toBe('toothbrush');
    expect(ds.imagePaths.get(9)).toMatch(/images[/\\]train2017[/\\]000000000009\.jpg$/);
  });

  it('the ground truth evaluated as its own detections scores AP 1 (box and mask; crowd excluded)', async () => {
    const { gt } = await loadCocoJson(cocoJson());
    const regular = gt.annotations.filter((a) => !a.iscrowd);
    const box = evaluateCoco(gt, asDetections(regular), 'bbox');
    for (const i of [0, 1, 2, 3, 4, 5, 8, 9, 10, 11]) expect(box.stats[i], box.table).toBeCloseTo(1, 12);
    const mask = evaluateCoco(gt, asDetections(regular, true), 'segm');
    expect(mask.stats[0], mask.table).toBeCloseTo(1, 12);
    expect(mask.stats[8]).toBe(1);
  });
});

describe('Ultralytics dataset (coco128 YAML + YOLO labels)', () => {
  it('gives the same 929 non-crowd boxes as the JSON', async () => {
    const yolo = await loadYoloDataset(cocoYaml());
    const json = await loadCocoJson(cocoJson());
    expect(yolo.gt.images).toHaveLength(128);
    expect(yolo.gt.annotations).toHaveLength(929);
    expect(yolo.areaSource).toBe('box');
    expect(yolo.classToCategory).toEqual(json.classToCategory);
    // image ids are the numeric file stems = COCO ids; sizes agree with the JSON
    const jsonImages = new Map(json.gt.images.map((i) => [i.id, i]));
    for (const image of yolo.gt.images) {
      expect(jsonImages.get(image.id)).toMatchObject({ width: image.width, height: image.height });
    }
    const a = boxIndex(yolo.gt.annotations);
    const b = boxIndex(json.gt.annotations.filter((x) => !x.iscrowd));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    // pair every YOLO box with its closest unused JSON box of the same image and category
    let worst = 0;
    for (const [key, boxes] of a) {
      const pool = b.get(key)!.slice();
      expect(pool).toHaveLength(boxes.length);
      for (const box of boxes) {
        const distance = (other: number[]) => Math.max(...box.map((v, j) => Math.abs(v - other[j]!)));
        const best = pool.reduce((bi, other, i) => (distance(other) < distance(pool[bi]!) ? i : bi), 0);
        worst = Math.max(worst, distance(pool[best]!));
        pool.splice(best, 1);
      }
    }
    // YOLO labels keep 6 normalised decimals, the JSON 2 pixel decimals
    expect(worst).toBeLessThan(0.01);
    // and as detections against the official JSON they are perfect hits
    const stats = evaluateCoco(json.gt, asDetections(yolo.gt.annotations), 'bbox').stats;
    expect(stats[0]).toBeCloseTo(1, 12);
  });

  it('reads coco128-seg polygons with polygon areas and polygon extents as boxes', async () => {
    const seg = await loadYoloDataset(cocoYaml(), { labelsDir: fixture('coco128-seg', 'labels', 'train2017') });
    expect(seg.gt.annotations).toHaveLength(929);
    expect(seg.areaSource).toBe('polygon');
    const first = seg.gt.annotations[0]!;
    expect(Array.isArray(first.segmentation)).toBe(true);
    expect(first.area).toBeGreaterThan(0);
    expect(first.area).toBeLessThanOrEqual(first.bbox[2] * first.bbox[3]);
    // a polygon's own mask against itself: mask AP 1
    const dets = seg.gt.annotations.map((a) => ({ image_id: a.image_id, category_id: a.category_id, score: 1, segmentation: a.segmentation! }));
    expect(evaluateCoco(seg.gt, dets, 'segm').stats[0]).toBeCloseTo(1, 12);
  });

  it('maps images/ to labels/ like Ultralytics and dispatches on the extension', async () => {
    expect(imageToLabelPath('/d/images/train/a.b.jpg')).toBe('/d/labels/train/a.b.txt');
    expect((await loadGroundTruth(cocoJson())).areaSource).toBe('coco-json');
    await expect(loadGroundTruth('data.csv')).rejects.toMatchObject({ code: 'ERR_DATASET' });
    await expect(loadGroundTruth('/nonexistent/x.json')).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
  });

  it('a small custom dataset: list names, non-numeric stems, a background image, duplicate lines', async () => {
    const root = mkdtempSync(join(tmpdir(), 'yoloe-ds-'));
    mkdirSync(join(root, 'images', 'val'), { recursive: true });
    mkdirSync(join(root, 'labels', 'val'), { recursive: true });
    const sharp = (await import('sharp')).default;
    const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#000' } }).png().toBuffer();
    writeFileSync(join(root, 'images', 'val', 'cat.png'), png);
    writeFileSync(join(root, 'images', 'val', 'empty.png'), png);
    writeFileSync(join(root, 'labels', 'val', 'cat.txt'), '1 0.5 0.5 0.5 0.5\n1 0.5 0.5 0.5 0.5\n0 0.25 0.5 0.1 0.2\n');
    writeFileSync(join(root, 'data.yaml'), 'path: .  # root\nval: images/val\nnames: [dog, "cat"]\n');
    const ds = await loadYoloDataset(join(root, 'data.yaml'));
    expect(ds.names).toEqual(['dog', 'cat']);
    expect(ds.classToCategory).toEqual([1, 2]);
    expect(ds.gt.images.map((i) => [i.id, i.file_name])).toEqual([[1, 'cat.png'], [2, 'empty.png']]);
    expect(ds.gt.annotations).toHaveLength(2); // duplicate line dropped
    expect(ds.gt.annotations[0]).toMatchObject({ category_id: 2, bbox: [10, 5, 20, 10], area: 200 });
    writeFileSync(join(root, 'labels', 'val', 'cat.txt'), '5 0.5 0.5 0.5 0.5\n');
    await expect(loadYoloDataset(join(root, 'data.yaml'))).rejects.toMatchObject({ code: 'ERR_DATASET' });
    await expect(loadYoloDataset(join(root, 'data.yaml'), { split: 'test' })).rejects.toMatchObject({ code: 'ERR_DATASET' });
  });
});

describe('label lines', () => {
  it('boxes, polygons and bad lines', () => {
    const labels = parseLabelFile('0 0.5 0.5 0.2 0.2\n3 0.1 0.1 0.2 0.1 0.2 0.2\n\n', 'f.txt', 4);
    expect(labels).toEqual([{ cls: 0, box: [0.5, 0.5, 0.2, 0.2] }, { cls: 3, polygon: [0.1, 0.1, 0.2, 0.1, 0.2, 0.2] }]);
    expect(() => parseLabelFile('0 0.5 0.5 0.2 0.2 1', 'f.txt', 4)).toThrow(/f\.txt:1/);
    expect(() => parseLabelFile('0 0.5 x 0.2 0.2', 'f.txt', 4)).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
    expect(() => parseLabelFile('1.5 0.5 0.5 0.2 0.2', 'f.txt', 4)).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
  });
});

// Minimal excerpts written to reproduce the constructs of Ultralytics' own dataset files
// (ultralytics/cfg/datasets coco.yaml, lvis.yaml, coco128.yaml; not copied: AGPL text): emoji and
// box-drawing comments, `key: value # comment`, index maps of names with slashes, quotes and
// apostrophes, a `download: |` Python block scalar holding quotes, # and a multi-line list.
const COCO_LIKE = [
  '# Ultralytics 🚀 AGPL-3.0 License - https://ultralytics.com/license',
  '# parent',
  '# ├── ultralytics',
  '# └── datasets',
  '#     └── coco ← downloads here (20.3 GB)',
  '',
  'path: coco # dataset root dir',
  "train: train2017.txt # train images (relative to 'path') 118287 images",
  'val: val2017.txt # val images',
  'test: test-dev2017.txt # 20288 of 40670 images, submit via https://cocodataset.org/#detection-eval',
  '',
  '# Classes',
  'names:',
  '  0: person',
  '  9: traffic light',
  "  381: dollhouse/doll's house",
  '  137: bow-tie/bowtie',
  '  45: Band Aid',
  '',
  '# Download script/URL (optional)',
  'download: |',
  '  from pathlib import Path',
  '',
  '  # Download labels',
  '  dir = Path(yaml["path"])  # dataset root dir',
  "  urls = ['http://images.cocodataset.org/zips/train2017.zip',  # 19G, 118k images",
  "          'http://images.cocodataset.org/zips/val2017.zip']  # 1G, 5k images",
  '  download(urls, dir=dir / "images", threads=3)',
  '',
].join('\n');

describe('dataset YAML (the yaml package) on what Ultralytics dataset files contain', () => {
  it('reads comments, index maps of names and a download block scalar verbatim', () => {
    const y = parseDatasetYaml(COCO_LIKE, 'coco.yaml');
    expect(y.path).toBe('coco');
    expect(y.train).toBe('train2017.txt');
    expect(y.test).toBe('test-dev2017.txt');
    expect(y.names).toEqual({ 0: 'person', 9: 'traffic light', 381: "dollhouse/doll's house", 137: 'bow-tie/bowtie', 45: 'Band Aid' });
    // a literal block scalar: lines kept as written, the blank line too, one final newline
    expect(y.download).toBe(
      [
        'from pathlib import Path',
        '',
        '# Download labels',
        'dir = Path(yaml["path"])  # dataset root dir',
        "urls = ['http://images.cocodataset.org/zips/train2017.zip',  # 19G, 118k images",
        "        'http://images.cocodataset.org/zips/val2017.zip']  # 1G, 5k images",
        'download(urls, dir=dir / "images", threads=3)',
        '',
      ].join('\n'),
    );
  });

  it('reads multi-line flow lists and maps, block lists with a comment after the key, anchors and aliases', () => {
    const y = parseDatasetYaml(
      [
        'train: # train images (relative to path)',
        '  - images/train2012',
        '  - images/train2007',
        'val: [images/val2012,',
        '      images/val2007]',
        "names: ['person', 'bicycle',",
        "  'car']",
        'inline: {0: a,',
        '  1: "b # c"}',
        'base: &root ../datasets/voc',
        'path: *root',
        'nc: 3',
        'download: null',
        'flag: true',
      ].join('\n'),
      'voc.yaml',
    );
    expect(y).toEqual({
      train: ['images/train2012', 'images/train2007'],
      val: ['images/val2012', 'images/val2007'],
      names: ['person', 'bicycle', 'car'],
      inline: { 0: 'a', 1: 'b # c' },
      base: '../datasets/voc',
      path: '../datasets/voc',
      nc: 3,
      download: null,
      flag: true,
    });
  });

  it('reads the fixtures coco128.yaml (as Ultralytics ships it)', () => {
    const path = fixture('coco128', 'coco128.yaml');
    const y = parseDatasetYaml(readFileSync(path, 'utf8'), path);
    const names = y.names as Record<string, string>;
    expect(Object.keys(names)).toHaveLength(80);
    expect([names[0], names[9], names[79]]).toEqual(['person', 'traffic light', 'toothbrush']);
  });

  it('reports invalid YAML and non-mapping documents as ERR_DATASET naming the file and the line', () => {
    expect(() => parseDatasetYaml('a: [1, 2', 'x.yaml')).toThrow(expect.objectContaining({ code: 'ERR_DATASET', message: expect.stringMatching(/^x\.yaml is not valid YAML: .*line 1/) }));
    expect(() => parseDatasetYaml('a:\n  b: 1\n c: 2', 'y.yaml')).toThrow(expect.objectContaining({ code: 'ERR_DATASET', message: expect.stringMatching(/y\.yaml .*line 3/) }));
    expect(() => parseDatasetYaml('just text', 'z.yaml')).toThrow(expect.objectContaining({ code: 'ERR_DATASET', message: expect.stringContaining('z.yaml must hold a YAML mapping') }));
    expect(() => parseDatasetYaml('', 'e.yaml')).toThrow(/holds nothing/);
    expect(() => parseDatasetYaml('a: 1\na: 2', 'd.yaml')).toThrow(expect.objectContaining({ code: 'ERR_DATASET' })); // duplicate key
  });
});
