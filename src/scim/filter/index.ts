/** Public API of the SCIM filter / PATCH path module (RFC 7644 §3.4.2.2, §3.5.2). */
export type { AttrPath, CompValue, CompareOp, Filter, PatchPath } from './ast.js';
export { parseFilter, MAX_FILTER_LENGTH, MAX_FILTER_DEPTH } from './parse-filter.js';
export { parsePatchPath } from './parse-path.js';
export { parseAttrPath } from './attr-path.js';
export { evaluateFilter, type EvaluateOptions } from './evaluate.js';
export { filterNames } from './walk.js';
export type { ErrorFactory } from './lexer.js';
