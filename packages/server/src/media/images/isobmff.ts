// HEIF / HEIC / AVIF by walking ISO base media boxes through random reads (never the media data):
// the primary item's size from the `meta` box (ispe, with clap cropping and irot rotation), and
// for image sequences (avis, msf1) the sample count of the picture track in `moov`.
import { HeaderError, type CachedReader } from '../reader.js';

export interface IsoImageInfo {
  width: number;
  height: number;
  frames: number;
  /** irot: counter-clockwise quarter turns applied on display. */
  rotation?: number;
}

export interface Box {
  type: string;
  /** Offset of the payload (after the header). */
  start: number;
  /** Offset just past the box. */
  end: number;
}

const MAX_BOXES = 100_000;

/** The boxes between `start` and `end`. */
export async function children(reader: CachedReader, start: number, end: number): Promise<Box[]> {
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    if (boxes.length >= MAX_BOXES) throw new HeaderError('the file has too many boxes');
    const head = await reader.readExact(at, 8, 'box headers');
    let size = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    let headerSize = 8;
    if (size === 1) {
      const large = await reader.readExact(at + 8, 8, 'box headers');
      size = Number(large.readBigUInt64BE(0));
      headerSize = 16;
    } else if (size === 0) {
      size = end - at; // the last box runs to the end
    }
    if (size < headerSize || at + size > end) throw new HeaderError(`the "${type}" box runs past its container (the file looks truncated)`);
    boxes.push({ type, start: at + headerSize, end: at + size });
    at += size;
  }
  return boxes;
}

export function find(boxes: readonly Box[], type: string): Box | undefined {
  return boxes.find((box) => box.type === type);
}

async function payload(reader: CachedReader, box: Box, what: string): Promise<Buffer> {
  return reader.readExact(box.start, box.end - box.start, what);
}

export async function readIsoImage(reader: CachedReader): Promise<IsoImageInfo> {
  const top = await children(reader, 0, reader.size);
  const meta = find(top, 'meta');
  const moov = find(top, 'moov');
  const item = meta ? await primaryItem(reader, meta) : undefined;
  const track = moov ? await pictureTrack(reader, moov) : undefined;
  const width = item?.width ?? track?.width;
  const height = item?.height ?? track?.height;
  if (!width || !height) throw new HeaderError(meta || moov ? 'no image size was found in the file' : 'the file has neither image items nor an image sequence');
  const frames = track && track.samples > 0 ? track.samples : 1;
  return { width, height, frames, ...(item?.rotation ? { rotation: item.rotation } : {}) };
}

/** The primary item's displayed size: ispe, cropped by clap, turned by irot. */
async function primaryItem(reader: CachedReader, meta: Box): Promise<{ width: number; height: number; rotation: number } | undefined> {
  // `meta` is a full box: 4 bytes of version and flags before its children.
  const boxes = await children(reader, meta.start + 4, meta.end);
  const pitm = find(boxes, 'pitm');
  const iprp = find(boxes, 'iprp');
  if (!iprp) return undefined;
  const iprpBoxes = await children(reader, iprp.start, iprp.end);
  const ipco = find(iprpBoxes, 'ipco');
  if (!ipco) throw new HeaderError('the image properties are missing');
  const properties = await children(reader, ipco.start, ipco.end);

  // Property indexes (1-based into ipco) associated with the primary item.
  let associated: number[] | undefined;
  if (pitm) {
    const pitmData = await payload(reader, pitm, 'primary item');
    const primaryId = pitmData[0] === 0 ? pitmData.readUInt16BE(4) : pitmData.readUInt32BE(4);
    for (const ipma of iprpBoxes.filter((box) => box.type === 'ipma')) {
      associated ??= associationsOf(await payload(reader, ipma, 'item properties'), primaryId);
    }
  }
  const chosen = associated ? associated.map((index) => properties[index - 1]).filter((box): box is Box => box !== undefined) : properties;

  const ispe = find(chosen, 'ispe');
  if (!ispe) return undefined;
  const size = await payload(reader, ispe, 'image size');
  if (size.length < 12) throw new HeaderError('the image size property is too short');
  let width = size.readUInt32BE(4);
  let height = size.readUInt32BE(8);
  const clap = find(chosen, 'clap');
  if (clap) {
    const crop = await payload(reader, clap, 'crop');
    if (crop.length >= 16) {
      const fraction = (at: number) => crop.readInt32BE(at) / (crop.readInt32BE(at + 4) || 1);
      const w = Math.round(fraction(0));
      const h = Math.round(fraction(8));
      if (w > 0 && w <= width) width = w;
      if (h > 0 && h <= height) height = h;
    }
  }
  let rotation = 0;
  const irot = find(chosen, 'irot');
  if (irot) rotation = ((await payload(reader, irot, 'rotation'))[0] ?? 0) & 3;
  return rotation % 2 === 1 ? { width: height, height: width, rotation } : { width, height, rotation };
}

/** The property indexes an `ipma` box associates with one item, or undefined if it lists it not. */
function associationsOf(ipma: Buffer, itemId: number): number[] | undefined {
  const version = ipma[0]!;
  const wideIndexes = (ipma.readUInt32BE(0) & 1) === 1;
  let at = 4;
  const count = ipma.readUInt32BE(at);
  at += 4;
  for (let i = 0; i < count; i++) {
    const id = version < 1 ? ipma.readUInt16BE(at) : ipma.readUInt32BE(at);
    at += version < 1 ? 2 : 4;
    const n = ipma[at]!;
    at += 1;
    const indexes: number[] = [];
    for (let j = 0; j < n; j++) {
      indexes.push(wideIndexes ? ipma.readUInt16BE(at) & 0x7fff : ipma[at]! & 0x7f);
      at += wideIndexes ? 2 : 1;
    }
    if (id === itemId) return indexes;
  }
  return undefined;
}

/** The first picture (pict) or video (vide) track: its size and sample count. */
async function pictureTrack(reader: CachedReader, moov: Box): Promise<{ width: number; height: number; samples: number } | undefined> {
  const tracks = (await children(reader, moov.start, moov.end)).filter((box) => box.type === 'trak');
  let fallback: { width: number; height: number; samples: number } | undefined;
  for (const trak of tracks) {
    const trakBoxes = await children(reader, trak.start, trak.end);
    const mdia = find(trakBoxes, 'mdia');
    if (!mdia) continue;
    const mdiaBoxes = await children(reader, mdia.start, mdia.end);
    const hdlr = find(mdiaBoxes, 'hdlr');
    const handler = hdlr ? (await reader.readExact(hdlr.start + 8, 4, 'track handler')).toString('latin1') : '';
    if (handler !== 'pict' && handler !== 'vide') continue;
    let width = 0;
    let height = 0;
    const tkhd = find(trakBoxes, 'tkhd');
    if (tkhd) {
      const header = await payload(reader, tkhd, 'track header');
      // Width and height are the last 8 bytes, 16.16 fixed point.
      width = Math.round(header.readUInt32BE(header.length - 8) / 65536);
      height = Math.round(header.readUInt32BE(header.length - 4) / 65536);
    }
    const samples = await sampleCount(reader, mdiaBoxes);
    const info = { width, height, samples };
    if (handler === 'pict') return info;
    fallback ??= info;
  }
  return fallback;
}

async function sampleCount(reader: CachedReader, mdiaBoxes: readonly Box[]): Promise<number> {
  const minf = find(mdiaBoxes, 'minf');
  if (!minf) return 0;
  const stbl = find(await children(reader, minf.start, minf.end), 'stbl');
  if (!stbl) return 0;
  const tables = await children(reader, stbl.start, stbl.end);
  // stsz: version/flags, sample_size, sample_count; stz2: version/flags, reserved+field_size, sample_count.
  const table = find(tables, 'stsz') ?? find(tables, 'stz2');
  if (!table) return 0;
  return (await reader.readExact(table.start + 8, 4, 'sample table')).readUInt32BE(0);
}
