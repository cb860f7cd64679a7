/** A long pattern written in pieces, each a checked regex literal, to stay within the line width. */
export const regex = (...parts: RegExp[]): RegExp => new RegExp(parts.map((p) => p.source).join(''))
