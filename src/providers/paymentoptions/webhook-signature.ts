import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * The gateway signs nothing (API.md §10). When the store sets `webhookSecret`, the gateway is given a
 * webhook URL that carries the secret; the plugin's route checks it and stamps the request with an
 * HMAC of the raw body under this header, which the provider checks. A request that reached Medusa's
 * generic hook route instead has no valid stamp.
 */
export const WEBHOOK_SIGNATURE_HEADER = "x-paymentoptions-signature"

export function webhookSignature(secret: string, rawBody: string | Buffer): string {
  return createHmac("sha256", secret).update(rawBody).digest("hex")
}

export function hasValidSignature(
  secret: string,
  rawBody: string | Buffer | undefined,
  headers: Record<string, unknown> | undefined
): boolean {
  const given = headers?.[WEBHOOK_SIGNATURE_HEADER]
  if (typeof given !== "string" || rawBody === undefined) return false
  const expected = Buffer.from(webhookSignature(secret, rawBody), "utf8")
  const actual = Buffer.from(given, "utf8")
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Constant-time comparison of the secret in the webhook URL. */
export function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8")
  const b = Buffer.from(given, "utf8")
  return a.length === b.length && timingSafeEqual(a, b)
}
