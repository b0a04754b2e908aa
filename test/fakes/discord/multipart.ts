export interface UploadedFile {
  field: string;
  filename: string;
  contentType?: string;
  size: number;
  data: Buffer;
}

export interface ParsedBody {
  body: any;
  files: UploadedFile[];
  /** Set when the body could not be read as the content type it claims; the route answers 400 then. */
  error?: string;
}

/**
 * Reads a request body the way Discord does: JSON, or multipart with `files[n]` parts and a `payload_json`
 * part (other text parts become body fields, as with @discordjs/rest's `appendToFormData`).
 */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0) return { body: undefined, files: [] };
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      // undici's own multipart parser: the same one Node's fetch uses, so no hand-written boundary parsing.
      form = await new Request('http://fake.invalid/', {
        method: 'POST',
        headers: { 'content-type': contentType! },
        body: raw,
      }).formData();
    } catch (err) {
      return { body: undefined, files: [], error: `malformed multipart body: ${(err as Error).message}` };
    }
    const files: UploadedFile[] = [];
    let body: any = undefined;
    const fields: Record<string, string> = {};
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') {
          try {
            body = JSON.parse(value);
          } catch {
            return { body: undefined, files, error: 'payload_json is not valid JSON' };
          }
        } else {
          fields[field] = value;
        }
        continue;
      }
      const blob = value as Blob & { name?: string };
      const data = Buffer.from(await blob.arrayBuffer());
      const file: UploadedFile = { field, filename: blob.name ?? 'blob', size: data.length, data };
      if (blob.type) file.contentType = blob.type;
      files.push(file);
    }
    if (body === undefined && Object.keys(fields).length > 0) body = fields;
    return { body, files };
  }
  const text = raw.toString('utf8');
  if (type.startsWith('application/json') || type === '') {
    try {
      return { body: JSON.parse(text), files: [] };
    } catch {
      return { body: text, files: [], error: 'body is not valid JSON' };
    }
  }
  return { body: text, files: [] };
}

/** The `n` of a `files[n]` field, or null for other field names. */
export function fileIndex(field: string): string | null {
  const m = /^files\[(\d+)\]$/.exec(field);
  return m ? m[1]! : null;
}
