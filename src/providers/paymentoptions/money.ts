import { BigNumberInput } from "@medusajs/framework/types"
import { MathBN, MedusaError, defaultCurrencies } from "@medusajs/framework/utils"

// bignumber.js rounding mode ROUND_HALF_UP: 0.5 yen rounds away from zero, as cashiers do.
const ROUND_HALF_UP = 4

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
