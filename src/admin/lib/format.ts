/**
 * Display formatting for the admin widget. Pure functions, no React, no DOM: unit-tested in
 * __tests__/admin-format.spec.ts.
 *
 * Money stays a decimal string end to end: the provider stores major units as strings ("1200", "5.55")
 * and Intl.NumberFormat formats such a string exactly (no float on the way). The number of decimals is the
 * server's, never the browser's: GET /admin/paymentoptions/orders/:id returns `currency_decimals` (Medusa's
 * `defaultCurrencies`, which the server computes every amount with), and Intl's own ISO 4217 table disagrees
 * with it for 9 currencies (AMD, CRC, IRT, MNT, MUR, RSD, TZS, UZS, ZWL: 0 decimals in Medusa, 2 in Intl).
 * Digits the stored string has beyond those decimals are shown, never rounded away.
 */

import { cardDigits, maskPans as maskPansShared } from "../../providers/paymentoptions/masking"

const DECIMAL = /^-?\d+(\.\d+)?$/

/** The currency's decimals as the server gave them, or null when it gave none (or nothing sensible). */
export function serverDecimals(
  decimals: Readonly<Record<string, unknown>> | null | undefined,
  currencyCode: string | null | undefined
): number | null {
  const value = decimals && currencyCode ? decimals[currencyCode.toLowerCase()] : undefined
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 20 ? value : null
}

/**
 * Formats a stored major-unit amount with the given decimals ("1200" JPY, 0 → "¥1,200"; "5.5" USD, 2 → "$5.50").
 * Numbers from Medusa's API are accepted for display too. Without decimals (the server knows no such currency),
 * or for anything that is not a plain decimal, the value is shown as it is next to the currency code; a missing
 * amount is "—".
 */
export function formatAmount(
  amount: string | number | null | undefined,
  currencyCode: string | null | undefined,
  decimals: number | null | undefined,
  locale = "en-US"
): string {
  if (amount === null || amount === undefined || amount === "") return "—"
  const value = typeof amount === "number" ? String(amount) : amount.trim()
  const code = (currencyCode ?? "").toUpperCase()
  const raw = code ? `${value} ${code}` : value
  if (!DECIMAL.test(value) || !code || typeof decimals !== "number" || !Number.isInteger(decimals) || decimals < 0) return raw
  const given = value.includes(".") ? value.length - value.indexOf(".") - 1 : 0
  try {
    const fmt = new Intl.NumberFormat(locale, {
      style: "currency",
      currency: code,
      minimumFractionDigits: decimals,
      maximumFractionDigits: Math.max(decimals, given),
    })
    // Intl.NumberFormat formats a numeric string exactly (ES2023); the ES2021 lib typings only know numbers.
    return fmt.format(value as unknown as number)
  } catch {
    return raw // a code Intl refuses, or more digits than it formats
  }
}

/** `formatAmount` bound to the server's `currency_decimals`: `money("1200", "jpy")`. */
export function moneyFormatter(decimals: Readonly<Record<string, unknown>> | null | undefined, locale = "en-US") {
  return (amount: string | number | null | undefined, currencyCode: string | null | undefined) =>
    formatAmount(amount, currencyCode, serverDecimals(decimals, currencyCode), locale)
}

/** "12 Nov 2026, 14:03:07" in the given zone (default: the browser's); an unreadable value is shown as is. */
export function formatTime(
  iso: string | null | undefined,
  opts: { locale?: string; timeZone?: string } = {}
): string {
  if (!iso) return "—"
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return new Intl.DateTimeFormat(opts.locale ?? "en-GB", {
    day: "2-digit",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
    timeZone: opts.timeZone,
  }).format(date)
}

export interface StoredCard {
  scheme?: string | null
  last4?: string | null
  exp_month?: string | number | null
  exp_year?: string | number | null
}

/**
 * "VISA •••• 1111 · 12/30". Only the last four digits are ever shown, whatever the stored value holds;
 * "—" when nothing is known.
 */
export function maskedCardLabel(card: StoredCard | null | undefined): string {
  if (!card) return "—"
  const digits = cardDigits(card.last4)
  const parts: string[] = []
  if (card.scheme) parts.push(String(card.scheme).toUpperCase())
  if (digits.length >= 4) parts.push(`•••• ${digits.slice(-4)}`)
  const month = card.exp_month ? String(card.exp_month).padStart(2, "0") : ""
  const year = card.exp_year ? String(card.exp_year).slice(-2) : ""
  const label = parts.join(" ")
  if (month && year) return label ? `${label} · ${month}/${year}` : `${month}/${year}`
  return label || "—"
}

/**
 * Masks card numbers in gateway text for display, keeping the last four digits: the provider's own `maskPans`
 * (same rules: Luhn-checked, full-width digits, separators, digits next to letters), shown with "•".
 */
export function maskPans(text: string): string {
  return maskPansShared(text, { mask: "•" })
}
