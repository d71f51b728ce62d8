import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/domain/errors.js';
import type { QueryNode } from '../src/query/ast.js';
import { compileAssetQuery, isEmptyQuery, parseFilter, parseMetadataQuery, type AssetQuerySpec } from '../src/query/index.js';
import { openStore, type Store } from '../src/store/db.js';
import { createTestDatabase, describeEachDialect, tempDir, type TestDatabase } from './support/dialects.js';
import { insertAnnotation, insertAsset, insertAssets, insertDatasetRow, insertOrg } from './support/rows.js';

/** A syntax tree as compact text: `(or (== a 1) (and (== b 2) (== c 3)))`. */
function show(node: QueryNode | undefined): string {
  if (node === undefined) return '∅';
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${node.type} ${node.items.map(show).join(' ')})`;
    case 'not':
      return `(not ${show(node.expr)})`;
    case 'compare':
      return `(${node.op}${node.loose ? '~' : ''} ${node.field.path.join('.')} ${JSON.stringify(node.value)})`;
    case 'in':
      return `(in ${node.field.path.join('.')} ${JSON.stringify(node.values)})`;
    case 'text':
      return `(${node.op} ${node.field.path.join('.')} ${JSON.stringify(node.value)})`;
    case 'exists':
    case 'truthy':
      return `(${node.type} ${node.field.path.join('.')})`;
  }
}

const mq = (text: string) => show(parseMetadataQuery(text));
const fl = (filter: string | Record<string, unknown>) => show(parseFilter(filter));

/** The message of the AppError('ValidationFailed') that `fn` throws. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ValidationFailed');
    return (err as AppError).message;
  }
  throw new Error('expected a ValidationFailed error, but nothing was thrown');
}

describe('metadataQuery parser', () => {
  it('gives not > and > or their usual precedence, and parentheses override it', () => {
    expect(mq('a == 1 or b == 2 and c == 3')).toBe('(or (== a 1) (and (== b 2) (== c 3)))');
    expect(mq('(a == 1 or b == 2) and c == 3')).toBe('(and (or (== a 1) (== b 2)) (== c 3))');
    expect(mq('not a == 1 and b == 2')).toBe('(and (not (== a 1)) (== b 2))');
    expect(mq('not (a == 1 and b == 2)')).toBe('(not (and (== a 1) (== b 2)))');
    expect(mq('a == 1 and b == 2 and c == 3 or d == 4')).toBe('(or (and (== a 1) (== b 2) (== c 3)) (== d 4))');
    expect(mq('not not a')).toBe('(not (not (truthy a)))');
  });

  it('accepts symbolic and upper-case logical operators', () => {
    expect(mq('a == 1 && b == 2 || !(c == 3)')).toBe('(or (and (== a 1) (== b 2)) (not (== c 3)))');
    expect(mq('a == 1 AND b == 2 Or NOT c == 3')).toBe('(or (and (== a 1) (== b 2)) (not (== c 3)))');
    expect(mq('!a')).toBe('(not (truthy a))');
    expect(mq('a&&b||c')).toBe('(or (and (truthy a) (truthy b)) (truthy c))');
  });

  it('parses every comparison operator', () => {
    expect(mq('a == 1')).toBe('(== a 1)');
    expect(mq('a = 1')).toBe('(== a 1)');
    expect(mq('a != 1')).toBe('(!= a 1)');
    expect(mq('a <> 1')).toBe('(!= a 1)');
    expect(mq('a < 1')).toBe('(< a 1)');
    expect(mq('a <= 1')).toBe('(<= a 1)');
    expect(mq('a > 1')).toBe('(> a 1)');
    expect(mq('a >= 1')).toBe('(>= a 1)');
    expect(mq('a>=1')).toBe('(>= a 1)');
  });

  it('parses every literal form', () => {
    expect(mq('a == "double"')).toBe('(== a "double")');
    expect(mq("a == 'single'")).toBe('(== a "single")');
    expect(mq(String.raw`a == "q\"\\\/\b\f\n\r\t\u00e9\x41\U0001F600"`)).toBe(`(== a ${JSON.stringify('q"\\/\b\f\n\r\té\u0041😀')})`);
    expect(mq(String.raw`a == 'it\'s'`)).toBe(`(== a "it's")`);
    expect(mq(`a == "it's"`)).toBe(`(== a "it's")`);
    expect(mq(`a == 'say "hi"'`)).toBe(`(== a ${JSON.stringify('say "hi"')})`);
    expect(mq('a == ""')).toBe('(== a "")');
    expect(mq('a == 42')).toBe('(== a 42)');
    expect(mq('a == -42')).toBe('(== a -42)');
    expect(mq('a == 1.5')).toBe('(== a 1.5)');
    expect(mq('a == .5')).toBe('(== a 0.5)');
    expect(mq('a == 1.')).toBe('(== a 1)');
    expect(mq('a == 2.5e3')).toBe('(== a 2500)');
    expect(mq('a == 1E-2')).toBe('(== a 0.01)');
    for (const t of ['true', 'True', 'TRUE']) expect(mq(`a == ${t}`)).toBe('(== a true)');
    for (const f of ['false', 'False']) expect(mq(`a == ${f}`)).toBe('(== a false)');
    for (const n of ['null', 'Null', 'None']) expect(mq(`a == ${n}`)).toBe('(== a null)');
  });

  it('parses lists, text operators, exists and bare fields', () => {
    expect(mq('kind in ["Image", "Video"]')).toBe('(in kind ["Image","Video"])');
    expect(mq("kind IN ('Image',)")).toBe('(in kind ["Image"])');
    expect(mq('n in [1, 2.5, true, null, "x"]')).toBe('(in n [1,2.5,true,null,"x"])');
    expect(mq('n in []')).toBe('(in n [])');
    expect(mq('kind not in ["Video"]')).toBe('(not (in kind ["Video"]))');
    expect(mq('filename contains "cat"')).toBe('(contains filename "cat")');
    expect(mq("filename startsWith 'img_'")).toBe('(startsWith filename "img_")');
    expect(mq('filename STARTSWITH "a"')).toBe('(startsWith filename "a")');
    expect(mq('filename endswith ".png"')).toBe('(endsWith filename ".png")');
    expect(mq('exists(width)')).toBe('(exists width)');
    expect(mq('EXISTS ( customMetadata.a )')).toBe('(exists customMetadata.a)');
    expect(mq('not exists(a) and flagged')).toBe('(and (not (exists a)) (truthy flagged))');
    expect(mq('a == null or b != None')).toBe('(or (== a null) (!= b null))');
  });

  it('reads dotted, quoted and non-ASCII field names', () => {
    expect(mq('metadata.annotations.withTag.cat > 0')).toBe('(> metadata.annotations.withTag.cat 0)');
    expect(mq('customMetadata.`camera type` == "x"')).toBe('(== customMetadata.camera type "x")');
    expect(mq('`weird``name` == 1')).toBe('(== weird`name 1)');
    expect(mq('`and` == 1')).toBe('(== and 1)');
    expect(mq('customMetadata.in == 1')).toBe('(== customMetadata.in 1)');
    expect(mq('metadata.annotations.withTag.2024 == 1')).toBe('(== metadata.annotations.withTag.2024 1)');
    expect(mq('café-au_lait == 1')).toBe('(== café-au_lait 1)');
    expect(mq('notes == 1 and order == 2 and index == 3')).toBe('(and (== notes 1) (== order 2) (== index 3))');
    expect(mq('  a == 1\n\tand b == 2  ')).toBe('(and (== a 1) (== b 2))');
  });

  it('treats a blank query as no condition', () => {
    expect(parseMetadataQuery('')).toBeUndefined();
    expect(parseMetadataQuery('  \n ')).toBeUndefined();
  });

  it('names the parameter, the position and what was expected in every syntax error', () => {
    const cases: [string, string][] = [
      ['custom_field == ', 'metadataQuery: expected a value, found end of input at position 17: custom_field == '],
      ['custom_field foo "x"', 'metadataQuery: expected an operator, "and", "or" or end of input, found "foo" at position 14: custom_field foo "x"'],
      ['a == 1 and', 'metadataQuery: expected a condition, found end of input at position 11: a == 1 and'],
      ['== 1', 'metadataQuery: expected a condition, found "==" at position 1: == 1'],
      ['(a == 1', 'metadataQuery: expected ")", "and" or "or", found end of input at position 8: (a == 1'],
      ['a == 1)', 'metadataQuery: expected "and", "or" or end of input, found ")" at position 7: a == 1)'],
      ['a == "abc', 'metadataQuery: unterminated string at position 6: a == "abc'],
      [String.raw`a == "a\qb"`, String.raw`metadataQuery: invalid escape at position 8: a == "a\qb"`],
      ['a == 1e999', 'metadataQuery: number out of range at position 6: a == 1e999'],
      ['a == abc', 'metadataQuery: expected a value, found "abc" at position 6: a == abc'],
      ['a in [1 2]', 'metadataQuery: expected "," or "]", found "2]" at position 9: a in [1 2]'],
      ['a contains 5', 'metadataQuery: expected a string, found "5" at position 12: a contains 5'],
      ['`open == 1', 'metadataQuery: unterminated quoted field name at position 1: `open == 1'],
      ['exists(', 'metadataQuery: expected a field name, found end of input at position 8: exists('],
      ['a == Infinity', 'metadataQuery: expected a value, found "Infinity" at position 6: a == Infinity'],
    ];
    for (const [input, message] of cases) expect(failure(() => parseMetadataQuery(input)), input).toBe(message);
    expect(failure(() => parseMetadataQuery('x == 1', 'ruleQuery') && parseMetadataQuery('x ==', 'ruleQuery'))).toMatch(/^ruleQuery: expected a value/);
  });

  it('quotes only the part around the error of a long query, and refuses huge or absurdly nested ones', () => {
    const long = `${'a == 1 and '.repeat(50)}a ==`;
    const message = failure(() => parseMetadataQuery(long));
    expect(message).toMatch(/^metadataQuery: expected a value, found end of input at position 555: …/);
    expect(message.length).toBeLessThan(300);
    expect(failure(() => parseMetadataQuery('a == 1 or '.repeat(7000)))).toMatch(/^metadataQuery: is longer than 65536 characters/);
    expect(failure(() => parseMetadataQuery(`${'('.repeat(20_000)}a${')'.repeat(20_000)}`))).toBe('metadataQuery: is nested too deeply');
  });
});

describe('filter parser', () => {
  it('reads JSON objects, including the documented examples', () => {
    expect(fl('{"status": "error"}')).toBe('(== status "error")');
    expect(fl('{"metadata.annotations.total": 0}')).toBe('(== metadata.annotations.total 0)');
    expect(fl('{"a": 1, "b": true, "c": null, "d": -2.5e1}')).toBe('(and (== a 1) (== b true) (== c null) (== d -25))');
    expect(fl('{"kind": ["Image", "Video"]}')).toBe('(in kind ["Image","Video"])');
  });

  it('reads Python repr dicts as the SDK sends them', () => {
    expect(fl("{'tag': 'x'}")).toBe('(== tag "x")');
    expect(fl("{'status': 'error', 'ok': True, 'bad': False, 'none': None}")).toBe('(and (== status "error") (== ok true) (== bad false) (== none null))');
    expect(fl(`{'q': "it's", 'p': 'say "hi"', 'e': 'tab\\there\\\\', 'u': '\\xe9\\u20ac\\U0001f600'}`)).toBe(
      `(and (== q "it's") (== p ${JSON.stringify('say "hi"')}) (== e ${JSON.stringify('tab\there\\')}) (== u "é€😀"))`,
    );
    expect(fl("{'kind': ('Image', 'Video'), 'one': ('x',), 'empty': []}")).toBe('(and (in kind ["Image","Video"]) (in one ["x"]) (in empty []))');
    expect(fl("{'fileSize': {'$gt': 1000, '$lte': 5000}}")).toBe('(and (> fileSize 1000) (<= fileSize 5000))');
  });

  it('accepts already-parsed objects (bulk deletion)', () => {
    expect(fl({ status: 'error' })).toBe('(== status "error")');
    expect(fl({ 'metadata.annotations.total': 0, kind: ['Image'] })).toBe('(and (== metadata.annotations.total 0) (in kind ["Image"]))');
    expect(fl({ customMetadata: { camera: 'x', 'a.b': 1 } })).toBe('(and (== customMetadata.camera "x") (== customMetadata.a.b 1))');
    expect(fl({ metadata: { annotations: { total: { $gte: 2 } } } })).toBe('(>= metadata.annotations.total 2)');
  });

  it('supports a small set of operators', () => {
    expect(fl({ n: { $eq: 1, $ne: 2, $gt: 3, $gte: 4, $lt: 5, $lte: 6 } })).toBe('(and (== n 1) (!= n 2) (> n 3) (>= n 4) (< n 5) (<= n 6))');
    expect(fl({ k: { $in: ['a', 'b'], $nin: ['c'] } })).toBe('(and (in k ["a","b"]) (not (in k ["c"])))');
    expect(fl({ k: { $exists: true }, j: { $exists: false } })).toBe('(and (exists k) (not (exists j)))');
    expect(fl({ f: { $contains: 'a', $startsWith: 'b', $endsWith: 'c' } })).toBe('(and (contains f "a") (startsWith f "b") (endsWith f "c"))');
  });

  it('reads the field:value shorthand', () => {
    expect(fl('camera_type:aerial')).toBe('(==~ camera_type "aerial")');
    expect(fl('camera_type: aerial, status:error  n:5')).toBe('(and (==~ camera_type "aerial") (==~ status "error") (==~ n "5"))');
    expect(fl('place:"New York",')).toBe('(== place "New York")');
    expect(fl('status:error status:failed kind:Image')).toBe('(or (==~ status "error") (==~ status "failed"))'.replace(/^/, '(and ').concat(' (==~ kind "Image"))'));
    expect(fl('time:12:30')).toBe('(==~ time "12:30")');
  });

  it('treats empty filters as no condition', () => {
    for (const f of ['', '   ', '{}', '{ }', "{'customMetadata': {}}"]) expect(parseFilter(f), f).toBeUndefined();
    expect(parseFilter({})).toBeUndefined();
  });

  it('names the position of every error in a filter string, and the field in an object', () => {
    const cases: [string | Record<string, unknown>, string][] = [
      ["{'status': }", "filter: expected a value, found \"}\" at position 12: {'status': }"],
      ['{"status": "error"', 'filter: expected "," or "}", found end of input at position 19: {"status": "error"'],
      ['{1: 2}', 'filter: expected a quoted key or "}", found "1:" at position 2: {1: 2}'],
      ['{"a" 1}', 'filter: expected ":", found "1}" at position 6: {"a" 1}'],
      ['{"a": 1} x', 'filter: expected end of input, found "x" at position 10: {"a": 1} x'],
      ['{"a": NaN}', 'filter: expected a value, found "NaN}" at position 7: {"a": NaN}'],
      ['camera_type=aerial', 'filter: expected ":", found "=aerial" at position 12: camera_type=aerial'],
      ['a:1 b', 'filter: expected ":", found end of input at position 6: a:1 b'],
      ['a:"open', 'filter: unterminated string at position 3: a:"open'],
      ['{"$gt": 1}', 'filter: operator "$gt" must be inside a field\'s object, e.g. {"fileSize": {"$gt": 1000}} at position 2: {"$gt": 1}'],
      ['{"n": {"$gtt": 1}}', 'filter: unknown operator "$gtt" (known: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $contains, $startsWith, $endsWith) at position 8: {"n": {"$gtt": 1}}'],
      ['{"n": {"$in": 1}}', 'filter: $in needs a list at position 15: {"n": {"$in": 1}}'],
      ['{"n": {"$exists": 1}}', 'filter: $exists needs true or false at position 19: {"n": {"$exists": 1}}'],
      ['{"n": {"$contains": 1}}', 'filter: $contains needs a string at position 21: {"n": {"$contains": 1}}'],
      ['{"n": {"$gt": [1]}}', 'filter: $gt needs a string, number, boolean or null at position 15: {"n": {"$gt": [1]}}'],
      ['{"n": [[1]]}', 'filter: a list may only hold strings, numbers, booleans and null at position 8: {"n": [[1]]}'],
      ['{"n": {"$gt": 1, "x": 2}}', 'filter: the object of "n" mixes operators and field names at position 7: {"n": {"$gt": 1, "x": 2}}'],
      ['{"": 1}', 'filter: a field name is empty at position 2: {"": 1}'],
      [{ n: { $regex: 'x' } }, 'filter: unknown operator "$regex" (known: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $contains, $startsWith, $endsWith)'],
    ];
    for (const [input, message] of cases) expect(failure(() => parseFilter(input)), JSON.stringify(input)).toBe(message);
  });
});

describe('query checks', () => {
  const plan = (spec: AssetQuerySpec) => compileAssetQuery(spec, 'sqlite');

  it('refuses meaningless comparisons whatever the mode', () => {
    expect(failure(() => plan({ metadataQuery: 'a > true' }))).toBe('metadataQuery: cannot use > with true: only numbers and strings are ordered at position 5: a > true');
    expect(failure(() => plan({ metadataQuery: 'a <= null' }))).toBe('metadataQuery: cannot use <= with null: only numbers and strings are ordered at position 6: a <= null');
    expect(failure(() => plan({ filter: { a: { $lt: false } } }))).toBe('filter: cannot use < with false: only numbers and strings are ordered');
  });

  it('makes unknown built-in-looking fields and mistyped values errors only in strict mode', () => {
    expect(plan({ metadataQuery: 'metadata.nothing == 1' })).toBeDefined();
    expect(plan({ metadataQuery: 'fileSize == "big"' })).toBeDefined();
    const strict = (spec: AssetQuerySpec) => failure(() => plan({ ...spec, strict: true }));
    expect(strict({ metadataQuery: 'metadata.nothing == 1' })).toBe(
      'metadataQuery: unknown field "metadata.nothing" (fields: assetId, filename, kind, mimeType, status, source, insertedBy, fileSize, width, height, frames, timeCreated, lastUpdated, contentsLastUpdated, annotations.total, annotations.withTag.<tag>, customMetadata.<key>) at position 1: metadata.nothing == 1',
    );
    expect(strict({ ruleQuery: 'x == 1 or metadata.annotations.count > 1' })).toMatch(/^ruleQuery: unknown field "metadata.annotations.count" .* at position 11: /);
    expect(strict({ filter: '{"metadata.customMetadata": 1}' })).toMatch(/^filter: unknown field "metadata.customMetadata" .* at position 2: /);
    expect(strict({ metadataQuery: 'fileSize == "big"' })).toBe('metadataQuery: fileSize holds numbers, not the string "big" at position 13: fileSize == "big"');
    expect(strict({ metadataQuery: 'filename == 5' })).toBe('metadataQuery: filename holds text, not the number 5 at position 13: filename == 5');
    expect(strict({ metadataQuery: 'timeCreated > "yesterday"' })).toMatch(/^metadataQuery: timeCreated holds times \(milliseconds since the epoch\) or an ISO 8601 date .*, not the string "yesterday" at position 15/);
    expect(strict({ metadataQuery: 'fileSize contains "1"' })).toBe('metadataQuery: contains needs a text field, and fileSize holds numbers at position 19: fileSize contains "1"');
    expect(strict({ metadataQuery: 'fileSize' })).toBe('metadataQuery: fileSize holds numbers, not the boolean true at position 1: fileSize');
    expect(strict({ filter: { status: 1 } })).toBe('filter: status holds text, not the number 1');
    expect(strict({ filter: 'fileSize:big' })).toBe('filter: fileSize holds numbers, not the string "big" at position 10: fileSize:big');
    // Custom metadata has no declared type: any value is fine, even in strict mode.
    expect(plan({ metadataQuery: 'anything == "5" or anything > 3 or customMetadata.x == true', strict: true })).toBeDefined();
  });

  it('limits the size of a query', () => {
    const many = Array.from({ length: 1001 }, (_, i) => `a == ${i}`).join(' or ');
    expect(failure(() => plan({ metadataQuery: many }))).toBe('metadataQuery: has more than 1000 conditions');
    const values = `a in [${Array.from({ length: 10_001 }, (_, i) => i).join(',')}]`;
    expect(failure(() => plan({ metadataQuery: values }))).toBe('metadataQuery: has more than 10000 values');
    const deep = `${'('.repeat(70)}a${')'.repeat(70)}`;
    expect(plan({ metadataQuery: deep })).toBeDefined(); // parentheses alone add no depth
    const nots = `${'not ('.repeat(70)}a${')'.repeat(70)}`;
    expect(failure(() => plan({ metadataQuery: nots }))).toBe('metadataQuery: is nested more than 64 levels deep');
  });

  it('says whether a spec sets any condition', () => {
    expect(isEmptyQuery({})).toBe(true);
    expect(isEmptyQuery({ filter: null, metadataQuery: null, ruleQuery: null, strict: null })).toBe(true);
    expect(isEmptyQuery({ filter: '', metadataQuery: '  ', ruleQuery: '', strict: true })).toBe(true);
    expect(isEmptyQuery({ filter: {} })).toBe(true);
    expect(isEmptyQuery({ filter: '{}' })).toBe(true);
    expect(isEmptyQuery({ filter: "{'customMetadata': {}}" })).toBe(true);
    expect(isEmptyQuery({ filter: '{"status": "error"}' })).toBe(false);
    expect(isEmptyQuery({ metadataQuery: 'fileSize >= 0' })).toBe(false); // matches all, but on purpose
    expect(isEmptyQuery({ ruleQuery: 'metadata.nothing == 1' })).toBe(false);
    expect(compileAssetQuery({ filter: '{}', metadataQuery: '' }, 'postgres')).toBeUndefined();
    expect(failure(() => isEmptyQuery({ metadataQuery: 'a ==' }))).toMatch(/^metadataQuery: expected a value/);
  });
});

const T = 1_717_000_000_000;

describeEachDialect('asset queries', (dialect) => {
  let dir: string;
  let database: TestDatabase;
  let store: Store;
  let ds: string;

  /** Filenames of the dataset's assets that the spec selects, sorted. */
  async function select(spec: AssetQuerySpec, datasetId = ds): Promise<string[]> {
    const where = compileAssetQuery(spec, dialect);
    let q = store.db.selectFrom('assets').select('filename').where('dataset_id', '=', datasetId);
    if (where) q = q.where(where);
    const rows = await q.orderBy('filename').execute();
    return rows.map((r) => r.filename);
  }
  const mq = (metadataQuery: string, strict = false) => select({ metadataQuery, strict });

  beforeAll(async () => {
    dir = tempDir();
    database = await createTestDatabase(dialect, dir);
    store = await openStore(database.config);
    await insertOrg(store.db, 'org-q');
    ds = await insertDatasetRow(store.db, 'org-q', 'dsq');
    const cm = (o: Record<string, unknown>) => JSON.stringify(o);
    await insertAsset(store.db, ds, 'a1', 'cat.jpg', {
      kind: 'Image',
      mime: 'image/jpeg',
      size: 1000,
      width: 640,
      height: 480,
      status: 'Error',
      inserted_by: 'alice',
      created_at: T + 1000,
      updated_at: T + 1500,
      contents_updated_at: T + 1200,
      custom_metadata: cm({ custom_field: 'value', camera_type: 'aerial', n: 5, ok: true, split: 'train', label: 'Zebra' }),
    });
    await insertAsset(store.db, ds, 'a2', 'dog.png', {
      mime: 'image/png',
      size: 2000,
      width: 1920,
      height: 1080,
      created_at: T + 2000,
      custom_metadata: cm({ custom_field: 'other', n: '5', ok: false, split: 'val', label: 'apple' }),
    });
    await insertAsset(store.db, ds, 'a3', 'clip.mp4', {
      kind: 'Video',
      mime: 'video/mp4',
      size: 5_000_000_000,
      width: 1280,
      height: 720,
      frames: 300,
      source: 'url',
      created_at: T + 3000,
      custom_metadata: cm({ n: 10, 'camera type': 'ground', 'a"b': 'quote', "it's": 'apostrophe', 'x.y': 1, '$[0]': 'dollar', '\\': 'backslash', label: 'Äpfel' }),
    });
    await insertAsset(store.db, ds, 'a4', 'song.mp3', {
      kind: 'Audio',
      mime: 'audio/mpeg',
      size: 3000,
      width: null,
      height: null,
      status: 'error',
      created_at: T + 4000,
      custom_metadata: cm({ n: 9.5, split: 'train', ok: 'true' }),
    });
    await insertAsset(store.db, ds, 'a5', 'notes.gif', { mime: 'image/gif', size: 500, width: 10, height: 10, frames: 12, created_at: T + 5000 });
    await insertAnnotation(store.db, ds, 'a1', 'n1', 'cat');
    await insertAnnotation(store.db, ds, 'a1', 'n2', 'cat');
    await insertAnnotation(store.db, ds, 'a1', 'n3', 'dog');
    await insertAnnotation(store.db, ds, 'a2', 'n4', 'cat');
    await insertAnnotation(store.db, ds, 'a3', 'n5', null);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ALL = ['cat.jpg', 'clip.mp4', 'dog.png', 'notes.gif', 'song.mp3'];

  it('selects everything for an empty spec', async () => {
    expect(await select({})).toEqual(ALL);
    expect(await select({ filter: '{}', metadataQuery: '', ruleQuery: null })).toEqual(ALL);
  });

  it('runs the examples of the documentation', async () => {
    expect(await select({ metadataQuery: 'custom_field == "value"' })).toEqual(['cat.jpg']);
    expect(await select({ filter: '{"status": "error"}' })).toEqual(['cat.jpg', 'song.mp3']);
    expect(await select({ filter: '{"status": "error"}', strict: true })).toEqual(['cat.jpg', 'song.mp3']);
    expect(await select({ filter: '{"metadata.annotations.total": 0}' })).toEqual(['notes.gif', 'song.mp3']);
    expect(await select({ filter: 'camera_type:aerial' })).toEqual(['cat.jpg']);
    expect(await select({ filter: "{'split': 'train'}" })).toEqual(['cat.jpg', 'song.mp3']);
  });

  it('compares every built-in field', async () => {
    expect(await mq('filename == "dog.png"')).toEqual(['dog.png']);
    expect(await mq('metadata.filename == "DOG.png"')).toEqual([]); // file names are case-sensitive
    expect(await mq('assetId == "a3"')).toEqual(['clip.mp4']);
    expect(await mq('kind == "video"')).toEqual(['clip.mp4']);
    expect(await mq('metadata.kind in ["AUDIO", "video"]')).toEqual(['clip.mp4', 'song.mp3']);
    expect(await mq('mimeType startsWith "IMAGE/"')).toEqual(['cat.jpg', 'dog.png', 'notes.gif']);
    expect(await mq('status == "Error"')).toEqual(['cat.jpg', 'song.mp3']);
    expect(await mq('status != "error"')).toEqual(['clip.mp4', 'dog.png', 'notes.gif']);
    expect(await mq('source == "url"')).toEqual(['clip.mp4']);
    expect(await mq('insertedBy == "alice"')).toEqual(['cat.jpg']);
    expect(await mq('fileSize > 1000')).toEqual(['clip.mp4', 'dog.png', 'song.mp3']);
    expect(await mq('metadata.fileSize >= 5000000000')).toEqual(['clip.mp4']);
    expect(await mq('fileSize < 1000.5')).toEqual(['cat.jpg', 'notes.gif']);
    expect(await mq('fileSize <= 1000')).toEqual(['cat.jpg', 'notes.gif']);
    expect(await mq('width >= 1280')).toEqual(['clip.mp4', 'dog.png']);
    expect(await mq('height < 500')).toEqual(['cat.jpg', 'notes.gif']);
    expect(await mq('width == null')).toEqual(['song.mp3']);
    expect(await mq('not (width > 100)')).toEqual(['notes.gif', 'song.mp3']); // an absent width is not > 100
    expect(await mq('exists(height)')).toEqual(['cat.jpg', 'clip.mp4', 'dog.png', 'notes.gif']);
    expect(await mq('frames > 1')).toEqual(['clip.mp4', 'notes.gif']);
    expect(await mq(`timeCreated > ${T + 3000}`)).toEqual(['notes.gif', 'song.mp3']);
    expect(await mq(`lastUpdated == ${T + 1500}`)).toEqual(['cat.jpg']);
    expect(await mq(`contentsLastUpdated == ${T + 1200}`)).toEqual(['cat.jpg']);
    expect(await mq(`metadata.timeCreated <= "${new Date(T + 2000).toISOString()}"`)).toEqual(['cat.jpg', 'dog.png']);
    expect(await mq('timeCreated > "2024-05-29"')).toEqual(ALL); // T is 2024-05-29T16:26:40Z
    expect(await mq('timeCreated < "2024-05-29T16:26:42+00:00"')).toEqual(['cat.jpg']);
  });

  it('counts annotations and annotations with a tag', async () => {
    expect(await mq('metadata.annotations.total == 3')).toEqual(['cat.jpg']);
    expect(await mq('annotations.total >= 1')).toEqual(['cat.jpg', 'clip.mp4', 'dog.png']);
    expect(await mq('annotations.total > 0.5')).toEqual(['cat.jpg', 'clip.mp4', 'dog.png']);
    expect(await mq('annotations.total > 1')).toEqual(['cat.jpg']);
    expect(await mq('annotations.total < 1')).toEqual(['notes.gif', 'song.mp3']);
    expect(await mq('annotations.total != 0')).toEqual(['cat.jpg', 'clip.mp4', 'dog.png']);
    expect(await mq('annotations.total <= 1')).toEqual(['clip.mp4', 'dog.png', 'notes.gif', 'song.mp3']);
    expect(await mq('metadata.annotations.withTag.cat == 2')).toEqual(['cat.jpg']);
    expect(await mq('metadata.annotations.withTag.cat > 0')).toEqual(['cat.jpg', 'dog.png']);
    expect(await mq('exists(metadata.annotations.withTag.dog)')).toEqual(['cat.jpg']);
    expect(await mq('metadata.annotations.withTag.dog == null')).toEqual(['clip.mp4', 'dog.png', 'notes.gif', 'song.mp3']);
    expect(await mq('metadata.annotations.withTag.cat in [1, 2]')).toEqual(['cat.jpg', 'dog.png']);
    expect(await mq('metadata.annotations.withTag.bird == 0')).toEqual(ALL);
    expect(await select({ filter: { 'metadata.annotations.withTag.cat': { $gte: 1 }, 'metadata.annotations.total': { $lt: 3 } } })).toEqual(['dog.png']);
  });

  it('compares custom metadata by its JSON type', async () => {
    expect(await mq('n == 5')).toEqual(['cat.jpg']);
    expect(await mq('n == "5"')).toEqual(['dog.png']);
    expect(await mq('n == 5.0')).toEqual(['cat.jpg']);
    expect(await mq('n > 6')).toEqual(['clip.mp4', 'song.mp3']); // 10 > 6 numerically, and "5" is no number
    expect(await mq('n > "10"')).toEqual(['dog.png']); // "5" > "10" as text
    expect(await mq('n < 9.75')).toEqual(['cat.jpg', 'song.mp3']);
    expect(await mq('n in [10, "5"]')).toEqual(['clip.mp4', 'dog.png']);
    expect(await mq('ok == true')).toEqual(['cat.jpg']);
    expect(await mq('ok')).toEqual(['cat.jpg']);
    expect(await mq('ok == false')).toEqual(['dog.png']);
    expect(await mq('ok == "true"')).toEqual(['song.mp3']);
    expect(await mq('ok == 1')).toEqual([]); // true is not 1
    expect(await mq('ok in [true, false]')).toEqual(['cat.jpg', 'dog.png']);
    expect(await mq('not ok')).toEqual(['clip.mp4', 'dog.png', 'notes.gif', 'song.mp3']);
    expect(await mq('label > "Zebra"')).toEqual(['dog.png', 'clip.mp4'].sort()); // byte order: "apple" and "Äpfel" sort after "Z"
    expect(await mq('label < "a"')).toEqual(['cat.jpg']);
    expect(await mq('customMetadata.split == "train" and metadata.customMetadata.n >= 5')).toEqual(['cat.jpg', 'song.mp3']);
  });

  it('treats absent custom keys as absent: != and not match them, ordering does not', async () => {
    expect(await mq('split != "train"')).toEqual(['clip.mp4', 'dog.png', 'notes.gif']);
    expect(await mq('split == null')).toEqual(['clip.mp4', 'notes.gif']);
    expect(await mq('split != null')).toEqual(['cat.jpg', 'dog.png', 'song.mp3']);
    expect(await mq('exists(split)')).toEqual(['cat.jpg', 'dog.png', 'song.mp3']);
    expect(await mq('not exists(split)')).toEqual(['clip.mp4', 'notes.gif']);
    expect(await mq('n > 0 or not (n > 0)')).toEqual(ALL);
    expect(await mq('split in ["val", null]')).toEqual(['clip.mp4', 'dog.png', 'notes.gif']);
    expect(await select({ filter: { split: { $exists: false } } })).toEqual(['clip.mp4', 'notes.gif']);
    expect(await select({ filter: { split: null } })).toEqual(['clip.mp4', 'notes.gif']);
    expect(await select({ filter: { split: { $nin: ['train'] } } })).toEqual(['clip.mp4', 'dog.png', 'notes.gif']);
  });

  it('matches text case-sensitively with contains, startsWith and endsWith', async () => {
    expect(await mq('filename contains "o"')).toEqual(['dog.png', 'notes.gif', 'song.mp3']);
    expect(await mq('filename contains "O"')).toEqual([]);
    expect(await mq('filename startsWith "c"')).toEqual(['cat.jpg', 'clip.mp4']);
    expect(await mq('filename endsWith ".png"')).toEqual(['dog.png']);
    expect(await mq('filename contains "%" or filename contains "_"')).toEqual([]); // no LIKE wildcards
    expect(await mq('filename contains ""')).toEqual(ALL);
    expect(await mq('label startsWith "Äp"')).toEqual(['clip.mp4']);
    expect(await mq('label endsWith "fel"')).toEqual(['clip.mp4']);
    expect(await mq('label endsWith "ebra"')).toEqual(['cat.jpg']);
    expect(await mq('label contains "ppl"')).toEqual(['dog.png']);
    expect(await mq('label contains ""')).toEqual(['cat.jpg', 'clip.mp4', 'dog.png']); // every string label
    expect(await mq('n contains "5"')).toEqual(['dog.png']); // only the string "5"
    expect(await select({ filter: { label: { $startsWith: 'Z' } } })).toEqual(['cat.jpg']);
  });

  it('reads the shorthand loosely: a bare 5 finds the number and the string', async () => {
    expect(await select({ filter: 'n:5' })).toEqual(['cat.jpg', 'dog.png']);
    expect(await select({ filter: 'n:"5"' })).toEqual(['dog.png']);
    expect(await select({ filter: 'ok:true' })).toEqual(['cat.jpg', 'song.mp3']);
    expect(await select({ filter: 'fileSize:1000' })).toEqual(['cat.jpg']);
    expect(await select({ filter: 'status:error split:train' })).toEqual(['cat.jpg', 'song.mp3']);
    expect(await select({ filter: 'split:train, split:val' })).toEqual(['cat.jpg', 'dog.png', 'song.mp3']);
    expect(await select({ filter: 'width:null' })).toEqual(['song.mp3']);
    expect(await select({ filter: 'split:null' })).toEqual(['clip.mp4', 'notes.gif']);
  });

  it('finds keys with any characters, quoted or prefixed', async () => {
    expect(await mq('customMetadata.`camera type` == "ground"')).toEqual(['clip.mp4']);
    expect(await mq('`camera type` == "ground"')).toEqual(['clip.mp4']);
    expect(await mq('customMetadata.`a"b` == "quote"')).toEqual(['clip.mp4']);
    expect(await mq('`it\'s` == "apostrophe"')).toEqual(['clip.mp4']);
    expect(await mq('x.y == 1 and customMetadata.x.y == 1')).toEqual(['clip.mp4']);
    expect(await mq('`$[0]` == "dollar"')).toEqual(['clip.mp4']);
    expect(await mq('`\\` == "backslash"')).toEqual(['clip.mp4']);
    expect(await select({ filter: { customMetadata: { 'a"b': 'quote', 'x.y': 1 }, 'customMetadata.$[0]': 'dollar' } })).toEqual(['clip.mp4']);
    expect(await select({ filter: `{'it\\'s': 'apostrophe', "camera type": "ground"}` })).toEqual(['clip.mp4']);
    expect(await mq('`$.n` == 5 or `$` == 5 or `n"` == 5 or `constructor` == 1 or `__proto__` == 1')).toEqual([]);
  });

  it('answers "no match" for unknown built-in-looking fields and mistyped values when not strict', async () => {
    expect(await mq('metadata.nothing == 1')).toEqual([]);
    expect(await mq('metadata.nothing != 1')).toEqual(ALL);
    expect(await mq('metadata.nothing == null')).toEqual(ALL);
    expect(await mq('fileSize == "1000"')).toEqual([]);
    expect(await mq('fileSize != "1000"')).toEqual(ALL);
    expect(await mq('filename in [5, "dog.png"]')).toEqual(['dog.png']);
    expect(await mq('fileSize contains "1"')).toEqual([]);
  });

  it('combines filter, metadataQuery and ruleQuery with and', async () => {
    expect(await select({ filter: '{"status": "error"}', metadataQuery: 'kind == "image"', ruleQuery: 'fileSize < 2000' })).toEqual(['cat.jpg']);
    expect(await select({ filter: '{"status": "error"}', ruleQuery: 'kind == "audio"' })).toEqual(['song.mp3']);
  });

  it('keeps user text out of the SQL: quotes, SQL and JSON-path metacharacters are only ever values', async () => {
    const attacks = [
      `'); drop table assets; --`,
      `" or 1=1 --`,
      `$[*]`,
      `a"b`,
      `\\'`,
      `x') or ('1'='1`,
    ];
    for (const text of attacks) {
      expect(await mq(`filename == ${JSON.stringify(text)}`)).toEqual([]);
      expect(await mq(`customMetadata.\`${text.replace(/`/g, '``')}\` == ${JSON.stringify(text)}`)).toEqual([]);
      expect(await mq(`label contains ${JSON.stringify(text)} or label startsWith ${JSON.stringify(text)} or label endsWith ${JSON.stringify(text)}`)).toEqual([]);
      expect(await select({ filter: { [`customMetadata.${text}`]: text, [`metadata.annotations.withTag.${text}`]: 0 } })).toEqual([]);
      expect(await select({ filter: { [`metadata.annotations.withTag.${text}`]: { $gt: 0 } } })).toEqual([]);
      expect(await select({ filter: `\`${text.replace(/`/g, '``')}\`:${JSON.stringify(text)}` })).toEqual([]);
    }
    const n = await store.db.selectFrom('assets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(5);

    const where = compileAssetQuery(
      {
        filter: { 'secret-key-1': 'secret-value-1', 'metadata.annotations.withTag.secret-tag': { $gt: 0 }, status: ['SECRET-STATUS'] },
        metadataQuery: 'customMetadata.`secret key 2` > "secret-value-2" or filename contains "secret-value-3" or secret4 in [123456789, "secret-value-5"] or fileSize < 987654321',
        ruleQuery: 'mimeType startsWith "secret-value-6" and not exists(secret7) and secret8 endsWith "secret-value-9"',
      },
      dialect,
    )!;
    const compiled = store.db.selectFrom('assets').select('id').where(where).compile();
    expect(compiled.sql).not.toMatch(/secret|123456789|987654321/i);
    const params = JSON.stringify(compiled.parameters);
    for (const s of ['secret-key-1', 'secret-value-1', 'secret-tag', 'secret-status', 'secret key 2', 'secret-value-2', 'secret-value-3', 'secret4', '123456789', 'secret-value-6', 'secret7', 'secret8', 'secret-value-9']) {
      expect(params).toContain(s);
    }
    await store.db.selectFrom('assets').select('id').where(where).execute(); // and it runs
  });

  it('runs over many rows with a parameterised statement', async () => {
    await insertOrg(store.db, 'org-many');
    const many = await insertDatasetRow(store.db, 'org-many', 'dsmany');
    const rows = Array.from({ length: 2000 }, (_, i) => ({
      id: `m${i}`,
      filename: `img_${String(i).padStart(4, '0')}.jpg`,
      size: i * 10,
      custom_metadata: JSON.stringify({ i, parity: i % 2 === 0 ? 'even' : 'odd', ...(i % 100 === 0 ? { hundred: true } : {}) }),
    }));
    await insertAssets(store.db, many, rows);
    for (let i = 0; i < 2000; i += 400) await insertAnnotation(store.db, many, `m${i}`, `ma${i}`, 'keep');

    const spec: AssetQuerySpec = { filter: "{'parity': 'even'}", metadataQuery: 'i >= 1000 and (fileSize < 12000 or hundred) and filename startsWith "img_1"' };
    const where = compileAssetQuery(spec, dialect)!;
    const compiled = store.db.selectFrom('assets').select('filename').where(where).compile();
    expect(compiled.sql).not.toMatch(/even|img_|1000|12000|hundred|parity/);
    const found = await select(spec, many);
    const expected = rows.filter((r, i) => i % 2 === 0 && i >= 1000 && (i * 10 < 12000 || i % 100 === 0)).map((r) => r.filename);
    expect(found).toEqual(expected);
    expect(found.length).toBe(100 + 8);

    expect(await select({ filter: { 'metadata.annotations.withTag.keep': 1 } }, many)).toEqual(['img_0000.jpg', 'img_0400.jpg', 'img_0800.jpg', 'img_1200.jpg', 'img_1600.jpg']);
    const ids = rows.slice(0, 1500).map((r) => r.id);
    expect((await select({ filter: { assetId: ids } }, many)).length).toBe(1500);
  });

  it('drives a bulk deletion from a filter object, touching only what it selects', async () => {
    await insertOrg(store.db, 'org-del');
    const del = await insertDatasetRow(store.db, 'org-del', 'dsdel');
    await insertAsset(store.db, del, 'd1', 'keep.png', { custom_metadata: JSON.stringify({ tag: 'keep' }) });
    await insertAsset(store.db, del, 'd2', 'drop.png', { custom_metadata: JSON.stringify({ tag: 'to_delete' }) });
    await insertAsset(store.db, del, 'd3', 'drop-too.png', { status: 'Error' });
    await insertAnnotation(store.db, del, 'd1', 'dn1', 'x');
    const where = compileAssetQuery({ filter: { tag: 'to_delete' } }, dialect)!;
    await store.db.deleteFrom('assets').where('dataset_id', '=', del).where(where).execute();
    expect(await select({}, del)).toEqual(['drop-too.png', 'keep.png']);
    const unannotated = compileAssetQuery({ filter: '{"metadata.annotations.total": 0}', strict: true }, dialect)!;
    await store.db.deleteFrom('assets').where('dataset_id', '=', del).where(unannotated).execute();
    expect(await select({}, del)).toEqual(['keep.png']);
    expect(await select({})).toEqual(ALL); // other datasets untouched
  });

  it('builds predicates that work inside larger statements', async () => {
    const where = compileAssetQuery({ metadataQuery: 'not (kind == "image") or n == 5' }, dialect)!;
    const r = await store.db
      .selectFrom('assets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('dataset_id', '=', ds)
      .where(where)
      .where(sql<boolean>`1 = 1`)
      .executeTakeFirstOrThrow();
    expect(Number(r.n)).toBe(3);
  });
});
