/** What may be stored about a card: never the number, never the CVC. */
export interface MaskedCard {
  scheme: string | null
  last4: string | null
  exp_month: string | null
  exp_year: string | null
}

// 12-19 digits, optionally split by spaces or dashes: every PAN length in use.
const PAN_PATTERN = /\b(?:\d[ -]?){11,18}\d\b/g

export function maskCard(
  card: { name?: string | null; number?: string | null; exp_month?: string | null; exp_year?: string | null } | null | undefined,
  scheme?: string | null
): MaskedCard | null {
  if (!card && !scheme) return null
  const digits = (card?.number ?? "").replace(/\D/g, "")
  return {
    scheme: scheme ?? null,
    last4: digits.length >= 4 ? digits.slice(-4) : null,
    exp_month: card?.exp_month ?? null,
    exp_year: card?.exp_year ?? null,
  }
}

/** Masks anything that looks like a card number in free text (gateway messages end up in logs and errors). */
export function maskPans(text: string): string {
  return text.replace(PAN_PATTERN, (match) => {
    const digits = match.replace(/\D/g, "")
    return `${"*".repeat(digits.length - 4)}${digits.slice(-4)}`
  })
}
