/**
 * Conditional GET for rendered images: a strong ETag from the slide's file version and
 * the canonical request, checked before any pixel is read, and an LRU of encoded bytes so
 * hot tiles cost a map lookup.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { ByteLruCache } from '@nucleilens/pipeline';

/** Encoded images keyed by ETag. */
export type EncodedImageCache = ByteLruCache<string, { bytes: Buffer; contentType: string }>;

/** An encoded-image cache with `budgetBytes`. */
export function createEncodedImageCache(budgetBytes: number): EncodedImageCache {
  return new ByteLruCache(budgetBytes, (v) => v.bytes.byteLength);
}

/** A quoted strong ETag for a slide version and a canonical request description. */
export function makeEtag(fingerprint: string, canonical: string): string {
  return `"${createHash('sha1').update(fingerprint).update('\0').update(canonical).digest('base64url')}"`;
}

/**
 * Sets ETag and Cache-Control, and answers 304 when the client already has this version.
 * @returns true when the response is finished (304).
 */
export function answerIfFresh(req: Request, res: Response, etag: string, maxAge: number): boolean {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', `public, max-age=${maxAge}`);
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*')) {
    res.status(304).end();
    return true;
  }
  return false;
}
