// Exact decimal amounts: the gateway speaks major units, the sandbox keeps integer minor units
// so repeated partial refunds never drift.

const EXPONENT_0 = new Set(["JPY", "KRW"])
const EXPONENT_3 = new Set(["KWD", "BHD", "JOD", "OMR", "TND", "IQD"])

export function currencyExponent(currency: string): number {
  if (EXPONENT_0.has(currency)) return 0
  if (EXPONENT_3.has(currency)) return 3
  return 2
}

export function isCurrency(v: unknown): v is string {
  return typeof v === "string" && /^[A-Z]{3}$/.test(v)
}

/** Major-unit string/number → positive integer minor units, or null when invalid. */
export function parseAmount(v: unknown, currency: string): number | null {
  let s: string
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return null
    s = String(v) // shortest round-trip form, e.g. 12.34 → "12.34"
  } else if (typeof v === "string") {
    s = v
  } else {
    return null
  }
  // ≤ 12 integer digits keeps every minor value inside Number.MAX_SAFE_INTEGER.
  const m = /^(\d{1,12})(?:\.(\d+))?$/.exec(s)
  if (!m) return null
  const exp = currencyExponent(currency)
  const frac = m[2] ?? ""
  if (frac.length > exp) return null
  const minor = Number(m[1]) * 10 ** exp + Number(frac.padEnd(exp, "0") || "0")
  return minor > 0 && Number.isSafeInteger(minor) ? minor : null
}

/** Integer minor units → major-unit decimal string ("1000", "12.34", "1.230"). */
export function formatMajor(minor: number, currency: string): string {
  const exp = currencyExponent(currency)
  if (exp === 0) return String(minor)
  const digits = String(minor).padStart(exp + 1, "0")
  return `${digits.slice(0, -exp)}.${digits.slice(-exp)}`
}

/** JSON number for payment_details.amount. */
export function majorNumber(minor: number, currency: string): number {
  return Number(formatMajor(minor, currency))
}
