import { describe, expect, it } from 'vitest';
import { formatUltralyticsMetadata, parsePythonLiteral, parseUltralyticsMetadata, pythonRepr, pythonStringRepr, readModelDescription } from '../lib/onnx/index.js';
import { YoloeTrtError } from '../lib/errors.js';
import { MODELS } from './fixtures.js';

describe('Python literal parser', () => {
  it('parses dicts, lists, tuples, numbers, booleans and None', () => {
    expect(parsePythonLiteral("{'batch': 1, 'half': False, 'dynamic': True, 'opset': None, 'conf': 0.25, 'imgsz': [640, 480], 'nested': {'a': (1, 2,)}}")).toEqual({
      batch: 1,
      half: false,
      dynamic: true,
      opset: null,
      conf: 0.25,
      imgsz: [640, 480],
      nested: { a: [1, 2] },
    });
    expect(parsePythonLiteral('[-1, +2, 1e-3, 1_000, .5, -inf]')).toEqual([-1, 2, 0.001, 1000, 0.5, -Infinity]);
    expect(parsePythonLiteral('  {}  ')).toEqual({});
    expect(parsePythonLiteral('[]')).toEqual([]);
  });

  it('parses Python string escapes and both quote styles', () => {
    expect(parsePythonLiteral(`{0: "person's bag", 1: 'say "hi"', 2: 'it\\'s', 3: 'tab\\tnew\\nline', 4: 'back\\\\slash', 5: '\\xe9t\\u00e9', 6: '日本'}`)).toEqual({
      '0': "person's bag",
      '1': 'say "hi"',
      '2': "it's",
      '3': 'tab\tnew\nline',
      '4': 'back\\slash',
      '5': 'été',
      '6': '日本',
    });
    expect(parsePythonLiteral(`'a' "b"`)).toBe('ab');
  });

  it('rejects what is not a literal with ERR_MODEL_FORMAT, without evaluating anything', () => {
    for (const bad of ["{0: 'a'", "__import__('os')", "[1, 2", "'open", "{0: 'a'} extra", '{[1]: 2}', '-', '']) {
      let error: unknown;
      try {
        parsePythonLiteral(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(YoloeTrtError);
      expect((error as YoloeTrtError).code).toBe('ERR_MODEL_FORMAT');
    }
  });

  it('writes repr() the way Python does, and parses it back', () => {
    expect(pythonStringRepr('person')).toBe("'person'");
    expect(pythonStringRepr("person's bag")).toBe(`"person's bag"`);
    expect(pythonStringRepr(`it's "x"`)).toBe(`'it\\'s "x"'`);
    expect(pythonStringRepr('a\\b\n')).toBe("'a\\\\b\\n'");
    const value = { '0': "o'neil", '1': 'a "b"', '10': 'x' };
    expect(pythonRepr(value)).toBe(`{0: "o'neil", 1: 'a "b"', 10: 'x'}`);
    expect(pythonRepr({ half: false, opset: null, imgsz: [640, 640] })).toBe("{'half': False, 'opset': None, 'imgsz': [640, 640]}");
    for (const s of ["o'neil", 'a "b"', `both ' and "`, 'back\\slash', 'ctrl\x01', 'é日本']) {
      expect(parsePythonLiteral(pythonStringRepr(s))).toBe(s);
    }
  });
});

describe('Ultralytics metadata', () => {
  it('reads the full metadata of det640', () => {
    const { metadata } = readModelDescription(MODELS.det640());
    console.log('det640 metadata keys:', Object.keys(metadata).join(', '));
    const meta = parseUltralyticsMetadata(metadata);
    expect(meta.names?.length).toBe(80);
    expect(meta.names?.[0]).toBe('person');
    expect(meta.names?.[79]).toBe('toothbrush');
    expect(meta.imgsz).toEqual([640, 640]);
    expect(meta.stride).toBe(32);
    expect(meta.task).toBe('detect');
    expect(meta.batch).toBe(1);
    expect(meta.warnings).toEqual([]);
    expect(meta.end2end).toBeUndefined(); // 8.0.175 wrote no end2end key
    expect(meta.raw.version).toBe('8.0.175');
  });

  it('reads args, end2end and task from the seg320 export (Ultralytics 8.4)', () => {
    const meta = parseUltralyticsMetadata(readModelDescription(MODELS.seg320()).metadata);
    expect(meta.task).toBe('segment');
    expect(meta.imgsz).toEqual([320, 320]);
    expect(meta.end2end).toBe(false);
    expect(meta.nms).toBe(false);
    expect(meta.half).toBe(false);
    expect(meta.dynamic).toBe(false);
    expect(meta.args).toMatchObject({ batch: 1, simplify: true, opset: null });
  });

  it('handles tricky names, list names, gaps, scalar imgsz and malformed values', () => {
    const meta = parseUltralyticsMetadata({
      names: `{0: "person's bag", 2: 'a "quoted" cup', 1: 'back\\\\slash'}`,
      imgsz: '320',
      stride: '[8, 16, 32]',
      nms: 'True',
      args: "{'nms': False, 'half': True, 'batch': 4}",
      end2end: 'not python',
    });
    expect(meta.names).toEqual(["person's bag", 'back\\slash', 'a "quoted" cup']);
    expect(meta.imgsz).toEqual([320, 320]);
    expect(meta.stride).toBe(32);
    expect(meta.nms).toBe(true); // top-level wins over args
    expect(meta.half).toBe(true);
    expect(meta.batch).toBe(4);
    expect(meta.end2end).toBeUndefined();
    expect(meta.warnings).toHaveLength(1);
    expect(meta.warnings[0]).toMatch(/^end2end: Invalid Python literal/);
    expect(parseUltralyticsMetadata({ names: "['a', 'b']" }).names).toEqual(['a', 'b']);
    expect(parseUltralyticsMetadata({ names: "{0: 'a', 3: 'd'}" }).names).toEqual(['a', 'class1', 'class2', 'd']);
    expect(parseUltralyticsMetadata({}).names).toBeUndefined();
  });

  it('formats metadata the exporter way and reads it back', () => {
    const names = Array.from({ length: 4585 }, (_, i) => (i === 7 ? "o'clock" : `class${i}`));
    const props = formatUltralyticsMetadata({ names, imgsz: [480, 640], task: 'segment', end2end: true });
    expect(props.imgsz).toBe('[480, 640]');
    expect(props.end2end).toBe('True');
    expect(props.names!.startsWith("{0: 'class0', 1: 'class1'")).toBe(true);
    const meta = parseUltralyticsMetadata(props);
    expect(meta.names).toEqual(names);
    expect(meta).toMatchObject({ imgsz: [480, 640], task: 'segment', end2end: true, nms: false, stride: 32, batch: 1 });
  });
});
