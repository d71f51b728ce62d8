// Annotation rows -> the export line schema of vi-protocol.md §6.4 (one JSON object per line).
//
// Rows of one annotation share a `group_id` (the live API's `aggregation.whole.id`):
// - phrase grounding: one `Caption` row ({contents: "<caption>"}) and any number of
//   `PhraseGroundingBoundingBox` rows ({bound: [[x,y]…], target: [start, end], phrase?}); boxes with
//   the same target are one grounded phrase with several bounds;
// - VQA: `Vqa` rows, each one interaction ({question, answer, order?}) or several ({interactions}).
// Stored coordinates are normalised (0–1); `normalized: false` multiplies by the image's pixels.
// Token indices are word positions in the caption, end exclusive (docs/exports.md).

export interface LineAsset {
  filename: string;
  width: number | null;
  height: number | null;
}

export interface LineAnnotation {
  id: string;
  group_id: string;
  kind: string;
  contents: string;
}

type Box = [number, number, number, number];

interface GroundedPhrase {
  phrase: string;
  startTokenIndex: number;
  endTokenIndex: number;
  bounds: Box[];
}

interface Interaction {
  order: number;
  question: string;
  answer: string;
}

const PHRASE_KINDS = new Set(['Caption', 'PhraseGroundingBoundingBox', 'PhraseGrounding']);
const VQA_KINDS = new Set(['Vqa', 'VQA', 'Interaction']);

/** The JSONL text (each line ending in "\n") of one asset's annotations, groups in `group_id` order. */
export function annotationLines(asset: LineAsset, rows: LineAnnotation[], normalized: boolean): string {
  const groups = new Map<string, LineAnnotation[]>();
  for (const row of rows) {
    const list = groups.get(row.group_id);
    if (list) list.push(row);
    else groups.set(row.group_id, [row]);
  }
  let out = '';
  for (const [groupId, members] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const line = groupLine(asset, groupId, members, normalized);
    if (line) out += JSON.stringify(line) + '\n';
  }
  return out;
}

function groupLine(asset: LineAsset, groupId: string, rows: LineAnnotation[], normalized: boolean): object | undefined {
  const head = {
    id: groupId,
    asset: { type: 'Image', filename: asset.filename, height: asset.height ?? 0, width: asset.width ?? 0, filepath: null, url: null },
  };
  if (rows.some((r) => VQA_KINDS.has(r.kind))) {
    const interactions: Interaction[] = [];
    for (const r of rows) if (VQA_KINDS.has(r.kind)) interactions.push(...vqaInteractions(parse(r.contents), interactions.length));
    interactions.sort((a, b) => a.order - b.order);
    return { ...head, contents: { type: 'Vqa', interactions }, category: null };
  }
  if (!rows.some((r) => PHRASE_KINDS.has(r.kind))) return undefined;
  let caption = '';
  const phrases = new Map<string, GroundedPhrase>();
  const boxes: Array<{ c: Record<string, unknown> }> = [];
  for (const r of rows) {
    const c = parse(r.contents);
    if (r.kind === 'Caption') caption = str(c.contents ?? c.caption ?? c.text);
    else if (r.kind === 'PhraseGrounding') caption = str(c.caption ?? caption);
    else boxes.push({ c });
  }
  const words = caption.split(/\s+/).filter((w) => w !== '');
  for (const { c } of boxes) {
    const target = Array.isArray(c.target) ? c.target.map(Number) : [0, 0];
    const [start = 0, end = start] = target;
    const key = `${start}:${end}`;
    const box = toBox(c.bound ?? c.bbox ?? c.bounds, asset, normalized);
    let phrase = phrases.get(key);
    if (!phrase) {
      phrase = { phrase: typeof c.phrase === 'string' ? c.phrase : words.slice(start, end).join(' '), startTokenIndex: start, endTokenIndex: end, bounds: [] };
      phrases.set(key, phrase);
    }
    if (box) phrase.bounds.push(box);
  }
  const groundedPhrases = [...phrases.values()].sort((a, b) => a.startTokenIndex - b.startTokenIndex || a.endTokenIndex - b.endTokenIndex);
  return { ...head, contents: { type: 'PhraseGrounding', caption, groundedPhrases }, category: null };
}

function vqaInteractions(c: Record<string, unknown>, offset: number): Interaction[] {
  const list = Array.isArray(c.interactions) ? (c.interactions as Record<string, unknown>[]) : [c];
  return list.map((i, n) => ({
    order: Number.isInteger(i.order) ? (i.order as number) : offset + n,
    question: str(i.question),
    answer: str(i.answer),
  }));
}

/**
 * A box [xmin, ymin, xmax, ymax] from corner points ([[x,y]…]) or an [xmin, ymin, xmax, ymax]
 * array, normalised 0–1 in storage; in pixels when `normalized` is false.
 */
function toBox(bound: unknown, asset: LineAsset, normalized: boolean): Box | undefined {
  let box: Box | undefined;
  if (Array.isArray(bound) && bound.length > 0 && Array.isArray(bound[0])) {
    const xs = (bound as unknown[][]).map((p) => Number(p[0]));
    const ys = (bound as unknown[][]).map((p) => Number(p[1]));
    box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  } else if (Array.isArray(bound) && bound.length === 4) {
    box = bound.map(Number) as Box;
  }
  if (!box || box.some((v) => !Number.isFinite(v))) return undefined;
  if (normalized) return box;
  const w = asset.width ?? 0;
  const h = asset.height ?? 0;
  return [px(box[0] * w), px(box[1] * h), px(box[2] * w), px(box[3] * h)];
}

/** Pixels to 1/1000 px: no float noise such as 64.00000000000001. */
const px = (v: number) => Math.round(v * 1000) / 1000;

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

function parse(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { contents: v };
  } catch {
    return { contents: text };
  }
}
