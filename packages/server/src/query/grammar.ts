// The PEG grammar of both query languages (docs/query-language.md), turned into a parser on first
// use (generating takes ~100 ms, which processes that never query, like most CLI commands, skip).
// Three start rules:
//   MetadataQuery    `custom_field == "value" and not (fileSize > 1000 or kind in ["Video"])`
//   FilterDict       `{"status": "error"}` as JSON or as a Python repr (`{'a': True, 'b': None}`)
//   FilterShorthand  `camera_type:aerial, status:error`
// Only leaf tokens carry display names (they become the "expected …" of errors); a named rule
// hides every failure inside it, so recursive rules use a named look-ahead instead.
import { createRequire } from 'node:module';
import type * as Peggy from 'peggy';

export const GRAMMAR = String.raw`
MetadataQuery = _ @Or _

Or = head:And tail:(_ OrOp _ @And)* { return tail.length === 0 ? head : { type: 'or', items: [head, ...tail] }; }

And = head:Unary tail:(_ AndOp _ @Unary)* { return tail.length === 0 ? head : { type: 'and', items: [head, ...tail] }; }

Unary = &ConditionStart @(NotOp _ expr:Unary { return { type: 'not', expr }; } / Primary) / ExpectCondition

ConditionStart = "(" / NotOp / Field

Primary = "(" _ @Or _ ")" / Exists / Predicate

Exists = ExistsKw _ "(" _ field:Field _ ")" { return { type: 'exists', field }; }

Predicate = field:Field tail:(_ @PredicateTail)? { return tail ? tail(field) : { type: 'truthy', field }; }

PredicateTail = &Operator @(CompareTail / InTail / TextTail) / ExpectOperator

Operator = CompareOp / NotKw _ InKw / InKw / TextOp

CompareTail = op:CompareOp _ v:Value { return (field) => ({ type: 'compare', field, op, value: v.value, at: v.at }); }

InTail = negated:(NotKw _)? InKw _ list:List {
  const at = location().start.offset;
  return (field) => {
    const node = { type: 'in', field, values: list, at };
    return negated ? { type: 'not', expr: node } : node;
  };
}

TextTail = op:TextOp _ v:StringValue { return (field) => ({ type: 'text', field, op, value: v.value, at: v.at }); }

CompareOp "a comparison operator"
  = "==" { return '=='; } / "!=" { return '!='; } / "<>" { return '!='; } / "<=" { return '<='; }
  / ">=" { return '>='; } / "<" { return '<'; } / ">" { return '>'; } / "=" { return '=='; }

TextOp
  = "contains"i !IdentPart { return 'contains'; }
  / "startswith"i !IdentPart { return 'startsWith'; }
  / "endswith"i !IdentPart { return 'endsWith'; }

List = "[" _ @ValueList _ "]" / "(" _ @ValueList _ ")"

ValueList = items:Value|1.., (_ "," _)| (_ ",")? { return items.map((v) => v.value); } / "" { return []; }

OrOp '"or"' = "||" / "or"i !IdentPart
AndOp '"and"' = "&&" / "and"i !IdentPart
NotOp '"not"' = "!" !"=" / "not"i !IdentPart
NotKw = "not"i !IdentPart
InKw = "in"i !IdentPart
ExistsKw = "exists"i !IdentPart

// ---- fields -------------------------------------------------------------------------------------

Field "a field name" = head:HeadSegment tail:("." @Segment)* {
  return { path: [head, ...tail], text: text(), at: location().start.offset };
}

HeadSegment = !(Reserved !IdentPart) @$(IdentStart IdentPart*) / QuotedSegment

Segment = $IdentPart+ / QuotedSegment

QuotedSegment
  = "\u0060" chars:("\u0060\u0060" { return '\u0060'; } / [^\u0060])* "\u0060" { return chars.join(''); }
  / "\u0060" [^\u0060]* { error('unterminated quoted field name'); }

Reserved = "and"i / "or"i / "not"i / "in"i / "true"i / "false"i / "null"i / "None"

IdentStart = [A-Za-z_] / [\u0080-\uFFFF]
IdentPart = [A-Za-z0-9_\-] / [\u0080-\uFFFF]

// ---- literals -----------------------------------------------------------------------------------

Value "a value" = value:Literal { return { value, at: location().start.offset }; }

StringValue "a string" = value:String { return { value, at: location().start.offset }; }

Literal = String / Number / Constant

Constant
  = "true"i !IdentPart { return true; }
  / "false"i !IdentPart { return false; }
  / "null"i !IdentPart { return null; }
  / "None" !IdentPart { return null; }

Number = "-"? (Digits ("." Digits?)? / "." Digits) ([eE] [+\-]? Digits)? !IdentPart {
  const n = Number(text());
  if (!Number.isFinite(n)) error('number out of range');
  return n;
}

Digits = [0-9]+

String
  = '"' chars:(DqChar*) '"' { return chars.join(''); }
  / "'" chars:(SqChar*) "'" { return chars.join(''); }
  / ["'] (DqChar / SqChar)* { error('unterminated string'); }

DqChar = [^"\\] / Escape
SqChar = [^'\\] / Escape

// JSON's escapes and the ones Python's repr() writes.
Escape
  = "\\" @(
      ["'\\/]
    / "b" { return '\b'; } / "f" { return '\f'; } / "n" { return '\n'; } / "r" { return '\r'; } / "t" { return '\t'; }
    / "u" hex:$(Hex|4|) { return String.fromCharCode(parseInt(hex, 16)); }
    / "x" hex:$(Hex|2|) { return String.fromCharCode(parseInt(hex, 16)); }
    / "U" hex:$(Hex|8|) {
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) error('invalid escape');
        return String.fromCodePoint(code);
      }
    )
  / "\\" { error('invalid escape'); }

Hex = [0-9a-fA-F]

// Rules that never match: a failed look-ahead is silent, so these say what was expected instead.
ExpectCondition "a condition" = !"";
ExpectOperator "an operator" = !"";
ExpectValue "a value" = !"";

_ "whitespace" = [ \t\r\n]*
__ "whitespace" = [ \t\r\n]+

// ---- filter: a JSON or Python-repr object -----------------------------------------------------

FilterDict = _ @Dict _

Dict = "{" _ entries:(@Entry|1.., (_ "," _)| (_ ",")? / "" { return []; }) _ "}" {
  return { kind: 'dict', at: location().start.offset, entries };
}

Entry = key:DictKey _ ":" _ value:Json { return { key: key.value, at: key.at, value }; }

DictKey "a quoted key" = value:String { return { value, at: location().start.offset }; }

Json = &JsonStart @(Dict / JsonList / JsonScalar) / ExpectValue

JsonStart = [{[(] / Literal

JsonList
  = "[" _ items:JsonItems _ "]" { return { kind: 'list', at: location().start.offset, items }; }
  / "(" _ items:JsonItems _ ")" { return { kind: 'list', at: location().start.offset, items }; }

JsonItems = @Json|1.., (_ "," _)| (_ ",")? / "" { return []; }

JsonScalar = value:Literal { return { kind: 'scalar', at: location().start.offset, value }; }

// ---- filter: field:value shorthand --------------------------------------------------------------

FilterShorthand = _ head:ShortTerm tail:(ShortSeparator @ShortTerm)* (_ ",")? _ { return [head, ...tail]; }

ShortSeparator = _ "," _ / __

ShortTerm = field:Field _ ":" _ value:ShortValue { return { field, ...value }; }

ShortValue "a value"
  = value:String { return { value, loose: false, at: location().start.offset }; }
  / value:$[^ \t\r\n,]+ { return { value, loose: true, at: location().start.offset }; }
`;

export type StartRule = 'MetadataQuery' | 'FilterDict' | 'FilterShorthand';

let generated: Peggy.Parser | undefined;

export function parser(): Peggy.Parser {
  if (!generated) {
    const peggy = createRequire(import.meta.url)('peggy') as typeof Peggy;
    generated = peggy.generate(GRAMMAR, { allowedStartRules: ['MetadataQuery', 'FilterDict', 'FilterShorthand'] });
  }
  return generated;
}
