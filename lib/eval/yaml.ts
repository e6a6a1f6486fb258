/**
 * Ultralytics dataset YAML files, read with the `yaml` package: block scalars (`download: |`),
 * multi-line flow collections, anchors and aliases. YAML 1.2 core schema: PyYAML (YAML 1.1, what
 * Ultralytics uses) would also read a bare yes/no/on/off as a boolean; no dataset file relies
 * on that, and a class called "no" stays a name. Errors become ERR_DATASET naming the file and line.
 */
import { parse, YAMLError } from 'yaml';
import { YoloeTrtError } from '../errors.js';

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

/**
 * The top-level mapping of a dataset YAML.
 * @example parseDatasetYaml('path: coco\nnames:\n  0: person\n', 'coco.yaml').names // { 0: 'person' }
 */
export function parseDatasetYaml(text: string, path: string): Record<string, YamlValue> {
  let value: unknown;
  try {
    value = parse(text, { prettyErrors: true });
  } catch (err) {
    // the yaml package's first message line names the line and column
    const message = err instanceof YAMLError ? err.message.split('\n')[0]!.replace(/:$/, '') : String(err);
    throw new YoloeTrtError('ERR_DATASET', `${path} is not valid YAML: ${message}`, { path });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new YoloeTrtError('ERR_DATASET', `${path} must hold a YAML mapping (key: value lines) but holds ${value === null ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value}`, { path });
  }
  return value as Record<string, YamlValue>;
}
