import { createHmac, timingSafeEqual } from "node:crypto";

/** What a PUT URL commits the uploader to: exactly this many bytes of this type. */
export interface UploadTerms {
  contentType: string;
  byteSize: number;
}

export type SignedRequest = { method: "GET"; key: string; expiresAt: Date } | { method: "PUT"; key: string; expiresAt: Date; upload: UploadTerms };

export type Verification = { ok: true; expiresAt: Date; upload: UploadTerms | null } | { ok: false; reason: "forged" | "expired"; message: string };

// Query parameter names of a signed URL.
const EXPIRES = "expires";
const TYPE = "type";
const SIZE = "size";
const SIGNATURE = "signature";

/**
 * Signs and checks the disk driver's URLs (HMAC-SHA256): the method, the key, the expiry
 * and, for a PUT, the content type and exact byte size, so a URL handed out for one upload
 * cannot be replayed for another object, another type or a bigger file.
 */
export class BlobUrlSigner {
  constructor(
    private readonly secret: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  now(): Date {
    return this.clock();
  }

  /** The query string (without "?") that makes `/blobs/<key>` a signed URL for the request. */
  sign(request: SignedRequest): string {
    const expires = Math.floor(request.expiresAt.getTime() / 1000);
    const query = new URLSearchParams({ [EXPIRES]: String(expires) });
    if (request.method === "PUT") {
      query.set(TYPE, request.upload.contentType);
      query.set(SIZE, String(request.upload.byteSize));
    }
    query.set(SIGNATURE, this.mac(request.method, request.key, expires, request.method === "PUT" ? request.upload : null));
    return query.toString();
  }

  /** Checks the signature first (a forged URL learns nothing about expiry), then the expiry. */
  verify(method: "GET" | "PUT", key: string, query: URLSearchParams): Verification {
    const forged = { ok: false, reason: "forged", message: "The URL's signature is not valid for this object; ask for a new URL." } as const;
    const expires = wholeNumber(query.get(EXPIRES));
    const signature = query.get(SIGNATURE);
    if (expires === null || signature === null) return forged;
    let upload: UploadTerms | null = null;
    if (method === "PUT") {
      const contentType = query.get(TYPE);
      const byteSize = wholeNumber(query.get(SIZE));
      if (contentType === null || byteSize === null) return forged;
      upload = { contentType, byteSize };
    }
    const expected = Buffer.from(this.mac(method, key, expires, upload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return forged;
    const expiresAt = new Date(expires * 1000);
    if (this.clock().getTime() >= expiresAt.getTime())
      return { ok: false, reason: "expired", message: `The URL expired at ${expiresAt.toISOString()}; ask for a new URL.` };
    return { ok: true, expiresAt, upload };
  }

  private mac(method: string, key: string, expires: number, upload: UploadTerms | null): string {
    // JSON keeps the fields apart: no value can be made to read as the next one.
    const message = JSON.stringify(["localex-media-v1", method, key, expires, upload?.contentType ?? null, upload?.byteSize ?? null]);
    return createHmac("sha256", this.secret).update(message).digest("base64url");
  }
}

function wholeNumber(text: string | null): number | null {
  if (text === null || !/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}
