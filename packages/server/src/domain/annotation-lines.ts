// One line of an uploaded annotation file -> the annotation rows it stands for (format of the rows:
// store/annotations.ts). Two spellings are accepted (docs/annotations.md):
//  * the export line schema of vi-protocol.md §6.4 (camelCase; the asset named by asset.filename);
//  * the snake_case form of the Vi guides: asset_id (an asset id or a filename), caption,
//    grounded_phrases[{phrase, bbox}], and VQA question/answer.
// Parsing happens in two steps: `readLine` needs nothing but the JSON value; `toRows` needs the
// asset (its size turns pixel boxes into normalised ones).
import type { BoxContents, CaptionContents, VqaContents } from '../store/annotations.js';

export type LineReason =
  | 'InvalidJson'
  | 'NotAnObject'
  | 'LineTooLong'
  | 'MissingAsset'
  | 'AssetNotFound'
  | 'UnsupportedType'
  | 'WrongDatasetType'
  | 'InvalidField'
  | 'InvalidBox'
  | 'PhraseNotInCaption'
  | 'InvalidTokenSpan'
  | 'DuplicateId'
  | 'Overwrites';

export class LineProblem extends Error {
  constructor(
    readonly reason: LineReason,
    message: string,
  ) {
    super(message);
  }
}

export interface AssetRef {
  /** §6.4 `asset.filename`: matched against filenames only. */
  filename?: string;
  /** snake_case `asset_id`: an asset id of the dataset, else a filename. */
  idOrFilename?: string;
}

interface Phrase {
  phrase: string;
  start?: number;
  end?: number;
  boxes: number[][];
}

export type ParsedLine = { id?: string; asset: AssetRef } & (
  | { type: 'PhraseGrounding'; caption: string; phrases: Phrase[] }
  | { type: 'Vqa'; interactions: VqaContents[] }
);

export type DatasetType = 'phrase-grounding' | 'vqa';

export interface RowDraft {
  kind: 'Caption' | 'PhraseGroundingBoundingBox' | 'Vqa';
  tag: string | null;
  contents: CaptionContents | BoxContents | VqaContents;
}

const MAX_ID = 255;
const MAX_PARTS = 10_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The first of `keys` present in `o`. */
const pick = (o: Obj, ...keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};
const bad = (reason: LineReason, message: string): never => {
  throw new LineProblem(reason, message);
};

function str(v: unknown, what: string, allowEmpty = true): string {
  if (typeof v !== 'string') return bad('InvalidField', `${what} must be a string`);
  if (!allowEmpty && v.trim() === '') return bad('InvalidField', `${what} must not be empty`);
  return v;
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return bad('InvalidField', `${what} must be a whole number ≥ 0`);
  return v;
}

/** Reads a parsed JSON value; throws LineProblem. */
export function readLine(value: unknown, datasetType: DatasetType): ParsedLine {
  if (!isObj(value)) return bad('NotAnObject', 'each line must be a JSON object');
  let id: string | undefined;
  if (value.id !== undefined && value.id !== null) {
    if (typeof value.id === 'number' && Number.isInteger(value.id)) id = String(value.id);
    else id = str(value.id, 'id', false);
    if (id.length > MAX_ID) bad('InvalidField', `id is longer than ${MAX_ID} characters`);
  }
  const asset = readAssetRef(value);
  const c = isObj(value.contents) ? value.contents : value;
  const declared = pick(c, 'type');
  let type: 'PhraseGrounding' | 'Vqa';
  if (declared !== undefined) {
    const t = String(declared).toLowerCase().replace(/[_\s-]/g, '');
    if (t === 'phrasegrounding') type = 'PhraseGrounding';
    else if (t === 'vqa') type = 'Vqa';
    else return bad('UnsupportedType', `contents.type "${String(declared)}" is not PhraseGrounding or Vqa`);
  } else if (pick(c, 'caption', 'groundedPhrases', 'grounded_phrases') !== undefined) type = 'PhraseGrounding';
  else if (pick(c, 'question', 'interactions') !== undefined) type = 'Vqa';
  else return bad('UnsupportedType', 'cannot tell the annotation type: give contents.type, a caption (phrase grounding) or a question (VQA)');

  const wanted = datasetType === 'vqa' ? 'Vqa' : 'PhraseGrounding';
  if (type !== wanted) bad('WrongDatasetType', `a ${type} annotation does not belong in a ${datasetType} dataset`);

  if (type === 'Vqa') return { id, asset, type, interactions: readInteractions(c) };
  const caption = str(pick(c, 'caption') ?? '', 'caption');
  const rawPhrases = pick(c, 'groundedPhrases', 'grounded_phrases') ?? [];
  if (!Array.isArray(rawPhrases)) return bad('InvalidField', 'groundedPhrases must be a list');
  const phrases = rawPhrases.map((p, i) => readPhrase(p, i));
  if (phrases.reduce((n, p) => n + p.boxes.length, 0) > MAX_PARTS) bad('InvalidField', `more than ${MAX_PARTS} boxes in one annotation`);
  return { id, asset, type, caption, phrases };
}

function readAssetRef(v: Obj): AssetRef {
  if (isObj(v.asset)) {
    const filename = v.asset.filename;
    if (typeof filename !== 'string' || filename === '') return bad('MissingAsset', 'asset.filename must name an asset of the dataset');
    if (v.asset.type !== undefined && v.asset.type !== null && v.asset.type !== 'Image') {
      bad('UnsupportedType', `asset.type "${String(v.asset.type)}" is not Image`);
    }
    return { filename };
  }
  const ref = pick(v, 'asset_id', 'assetId', 'filename');
  if (typeof ref !== 'string' || ref === '') {
    return bad('MissingAsset', 'name the asset: asset.filename (export schema) or asset_id (an asset id or filename)');
  }
  return { idOrFilename: ref };
}

function readPhrase(p: unknown, i: number): Phrase {
  const at = `groundedPhrases[${i}]`;
  if (!isObj(p)) return bad('InvalidField', `${at} must be an object`);
  const phrase = str(p.phrase, `${at}.phrase`, false);
  const startRaw = pick(p, 'startTokenIndex', 'start_token_index');
  const endRaw = pick(p, 'endTokenIndex', 'end_token_index');
  if ((startRaw === undefined) !== (endRaw === undefined)) bad('InvalidTokenSpan', `${at}: give both token indices or neither`);
  let start: number | undefined;
  let end: number | undefined;
  if (startRaw !== undefined) {
    start = int(startRaw, `${at}.startTokenIndex`);
    end = int(endRaw, `${at}.endTokenIndex`);
    if (end < start) bad('InvalidTokenSpan', `${at}: endTokenIndex ${end} is before startTokenIndex ${start}`);
  }
  let boxes: unknown;
  const single = pick(p, 'bbox', 'box');
  if (single !== undefined) boxes = [single];
  else boxes = pick(p, 'bounds', 'bboxes', 'boxes');
  if (!Array.isArray(boxes) || boxes.length === 0) return bad('InvalidBox', `${at} needs at least one box (bounds, or bbox)`);
  return { phrase, start, end, boxes: boxes.map((b, j) => readBox(b, `${at} box ${j}`)) };
}

function readBox(b: unknown, at: string): number[] {
  if (!Array.isArray(b) || b.length !== 4 || !b.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return bad('InvalidBox', `${at} must be [xmin, ymin, xmax, ymax] (four numbers)`);
  }
  return b as number[];
}

function readInteractions(c: Obj): VqaContents[] {
  let list: unknown = pick(c, 'interactions');
  if (list === undefined) list = [{ question: c.question, answer: c.answer, order: 0 }];
  if (!Array.isArray(list) || list.length === 0) return bad('InvalidField', 'interactions must be a non-empty list');
  if (list.length > MAX_PARTS) bad('InvalidField', `more than ${MAX_PARTS} interactions in one annotation`);
  return list.map((x, i) => {
    if (!isObj(x)) return bad('InvalidField', `interactions[${i}] must be an object`);
    return {
      order: x.order === undefined || x.order === null ? i : int(x.order, `interactions[${i}].order`),
      question: str(x.question, `interactions[${i}].question`, false),
      answer: str(x.answer ?? '', `interactions[${i}].answer`),
    };
  });
}

/** Words of a caption, for token indices: whitespace-separated, compared without case or edge punctuation. */
export const captionWords = (text: string): string[] =>
  text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''));

/** Where `phrase` first appears in `caption`, in words (end exclusive). */
export function findPhrase(caption: string, phrase: string): { start: number; end: number } | undefined {
  const words = captionWords(caption);
  const needle = captionWords(phrase);
  if (needle.length === 0) return undefined;
  outer: for (let i = 0; i + needle.length <= words.length; i++) {
    for (let j = 0; j < needle.length; j++) if (words[i + j] !== needle[j]) continue outer;
    return { start: i, end: i + needle.length };
  }
  return undefined;
}

/** Boxes with any coordinate above 1 are in pixels (see docs/annotations.md); others are normalised. */
function normaliseBox(b: number[], size: { width: number | null; height: number | null }, at: string): [number, number, number, number] {
  let [x0, y0, x1, y1] = b as [number, number, number, number];
  if (b.some((x) => x > 1)) {
    const { width, height } = size;
    if (!width || !height) return bad('InvalidBox', `${at} is in pixels but the asset's size is unknown; give it normalised to 0–1`);
    if (x1 > width || y1 > height) return bad('InvalidBox', `${at} [${b.join(', ')}] lies outside the ${width}×${height} image`);
    [x0, x1] = [x0 / width, x1 / width];
    [y0, y1] = [y0 / height, y1 / height];
  }
  if (x0 < 0 || y0 < 0 || x1 > 1 || y1 > 1) return bad('InvalidBox', `${at} [${b.join(', ')}] lies outside the image`);
  if (!(x0 < x1 && y0 < y1)) return bad('InvalidBox', `${at} [${b.join(', ')}] is empty: xmin must be below xmax and ymin below ymax`);
  return [x0, y0, x1, y1];
}

/** The rows of one parsed line for an asset of this size; throws LineProblem. */
export function toRows(line: ParsedLine, size: { width: number | null; height: number | null }): RowDraft[] {
  if (line.type === 'Vqa') return line.interactions.map((x) => ({ kind: 'Vqa', tag: null, contents: x }));
  const rows: RowDraft[] = [{ kind: 'Caption', tag: null, contents: { caption: line.caption } }];
  line.phrases.forEach((p, phraseIndex) => {
    let span = p.start !== undefined ? { start: p.start, end: p.end! } : undefined;
    if (!span) {
      span = findPhrase(line.caption, p.phrase);
      if (!span) bad('PhraseNotInCaption', `groundedPhrases[${phraseIndex}]: "${p.phrase}" does not appear in the caption; give its token indices`);
    }
    p.boxes.forEach((b, boxIndex) => {
      const box = normaliseBox(b, size, `groundedPhrases[${phraseIndex}] box ${boxIndex}`);
      rows.push({
        kind: 'PhraseGroundingBoundingBox',
        tag: p.phrase.trim(),
        contents: { phrase: p.phrase, target: [span!.start, span!.end], bbox: box, phraseIndex, boxIndex },
      });
    });
  });
  return rows;
}
