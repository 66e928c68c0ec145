import { BigNumberInput } from "@medusajs/framework/types"
import { MathBN, MedusaError, defaultCurrencies } from "@medusajs/framework/utils"

// bignumber.js rounding mode ROUND_HALF_UP: 0.5 yen rounds away from zero, as cashiers do.
export const ROUND_HALF_UP = 4

/**
 * Decimal digits of a currency, from Medusa's own currency table (JPY 0, USD 2, KWD 3),
 * so that the gateway amount and Medusa's refund validation agree on precision.
 */
export function currencyDecimals(currencyCode: string): number {
  const currency = defaultCurrencies[String(currencyCode ?? "").toUpperCase()]
  if (!currency) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions: unknown currency "${currencyCode}"; cannot convert the amount.`
    )
  }
  return currency.decimal_digits
}

function toDecimal(amount: BigNumberInput | null | undefined, what: string) {
  if (amount === null || amount === undefined || amount === "") {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions: ${what} is missing.`)
  }
  const value = MathBN.convert(amount)
  if (!value.isFinite()) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions: ${what} "${JSON.stringify(amount)}" is not a number.`
    )
  }
  return value
}

/**
 * The amount as the gateway wants it: major units as a decimal string with exactly the
 * currency's decimals ("1000" JPY, "12.34" USD, "1.234" KWD). API.md §9: the gateway's
 * amount is a float-typed major-unit value; this is the one place that choice is made.
 */
export function toGatewayAmount(amount: BigNumberInput, currencyCode: string): string {
  const decimals = currencyDecimals(currencyCode)
  return toDecimal(amount, "amount").toFixed(decimals, ROUND_HALF_UP)
}

/** A gateway or stored amount (number or decimal string, major units) as a normalised decimal string. */
export function normalizeAmount(
  amount: BigNumberInput | null | undefined,
  currencyCode: string,
  what = "amount"
): string {
  const decimals = currencyDecimals(currencyCode)
  return toDecimal(amount, what).toFixed(decimals, ROUND_HALF_UP)
}

export function addAmounts(a: string, b: string, currencyCode: string): string {
  return MathBN.add(a, b).toFixed(currencyDecimals(currencyCode), ROUND_HALF_UP)
}

export function subtractAmounts(a: string, b: string, currencyCode: string): string {
  return MathBN.sub(a, b).toFixed(currencyDecimals(currencyCode), ROUND_HALF_UP)
}

export function isPositive(amount: string): boolean {
  return MathBN.gt(amount, 0)
}

export function isGreater(a: string, b: string): boolean {
  return MathBN.gt(a, b)
}

export type BigNumber = ReturnType<typeof MathBN.convert>

/**
 * An amount as a whole number of the currency's smallest unit (10^-decimals), for the arithmetic every refund does:
 * only for a plain non-negative decimal (a number, or a string like "12" or "12.50") with at most `decimals`
 * fraction digits, within 2^53. Undefined for anything else (more digits, exponents, signs, other types): callers
 * then use BigNumber. Exact where defined, so it agrees with BigNumber.
 */
export function toUnits(value: unknown, decimals: number): number | undefined {
  const text = typeof value === "string" ? value : typeof value === "number" && value >= 0 ? String(value) : undefined
  if (!text) return undefined
  // Digits, optionally one "." between digits (a character scan: this runs three times on every refund).
  let units = 0
  let fraction = -1
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 46) {
      if (fraction !== -1 || i === 0 || i === text.length - 1) return undefined
      fraction = 0
    } else if (c >= 48 && c <= 57) {
      if (fraction !== -1 && ++fraction > decimals) return undefined
      units = units * 10 + (c - 48)
    } else {
      return undefined
    }
  }
  for (let f = Math.max(fraction, 0); f < decimals; f++) units *= 10
  return Number.isSafeInteger(units) ? units : undefined
}

/** Whole smallest units as the decimal string of `toFixed(decimals)` ("1234" with 2 decimals: "12.34"). */
export function fromUnits(units: number, decimals: number): string {
  if (decimals === 0) return String(units)
  const digits = String(units).padStart(decimals + 1, "0")
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`
}

/** What MathBN.convert reads of an amount Medusa passes: a raw `{ value, precision }` object's value, else itself. */
export function plainValue(amount: BigNumberInput | null | undefined): unknown {
  return typeof amount === "object" && amount !== null && Object.getPrototypeOf(amount) === Object.prototype ? (amount as { value?: unknown }).value : amount
}
