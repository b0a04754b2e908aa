/** The first bytes of a PNG of the given size: enough for image-size, which reads only the header. */
export function pngHeader(width: number, height: number): Buffer {
  const head = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const dims = Buffer.alloc(8);
  dims.writeUInt32BE(width, 0);
  dims.writeUInt32BE(height, 4);
  return Buffer.concat([head, dims, Buffer.from([8, 6, 0, 0, 0, 0, 0, 0, 0])]);
}
