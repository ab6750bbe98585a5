// A complete baseline JPEG (ITU T.81) of one mid-grey pixel, 159 bytes: SOI, JFIF APP0, an
// all-ones quantisation table, SOF0 (8-bit, 1×1, one component), one-code DC and AC Huffman
// tables, and a scan whose only block is "DC difference 0, end of block".
const segment = (marker: number, body: readonly number[]): number[] =>
  [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];

const oneCodeTable = (tableClassAndId: number): number[] =>
  [tableClassAndId, 1, ...new Array<number>(15).fill(0), 0x00];

export const TINY_JPEG: Buffer = Buffer.from([
  0xff, 0xd8,
  ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
  ...segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]),
  ...segment(0xc0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0]),
  ...segment(0xc4, oneCodeTable(0x00)),
  ...segment(0xc4, oneCodeTable(0x10)),
  ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
  // Bits "0" (DC category 0) and "0" (AC end of block), padded with ones.
  0x3f,
  0xff, 0xd9,
]);
