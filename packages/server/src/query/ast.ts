// The syntax tree both query languages parse into. Positions (`at`) are 0-based offsets into the
// text the user sent; they are absent when the query came as an already-parsed JSON object.

export type Literal = string | number | boolean | null;

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type TextOp = 'contains' | 'startsWith' | 'endsWith';

/** A field as written: `metadata.fileSize` is `['metadata', 'fileSize']`. */
export interface FieldRef {
  path: string[];
  text: string;
  at?: number;
}

export type QueryNode =
  | { type: 'and'; items: QueryNode[] }
  | { type: 'or'; items: QueryNode[] }
  | { type: 'not'; expr: QueryNode }
  /**
   * `loose` marks a bare word of the `field:value` shorthand: its value is the raw text, compared
   * as the type the field needs (a number for `fileSize:100`), and for custom metadata as either
   * the text or the number/boolean it spells.
   */
  | { type: 'compare'; field: FieldRef; op: CompareOp; value: Literal; at?: number; loose?: boolean }
  | { type: 'in'; field: FieldRef; values: Literal[]; at?: number }
  | { type: 'text'; field: FieldRef; op: TextOp; value: string; at?: number }
  | { type: 'exists'; field: FieldRef }
  /** A bare field used as a condition: true when it holds the boolean `true`. */
  | { type: 'truthy'; field: FieldRef };
