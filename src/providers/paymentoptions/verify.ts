import { MedusaError } from "@medusajs/framework/utils"
import { normalizeAmount } from "./money"
import type { TransactionEnvelope } from "./schemas"

export interface ExpectedTransaction {
  /** The payment session the transaction must belong to (its merchant_txn_ref). */
  sessionId: string
  amount: string
  currencyCode: string
  merchantId: string
  /** Acceptable `transaction_type`s (API.md §4: a sale may be reported as CAPTURE or PRE_AUTH). */
  types: readonly string[]
}

/**
 * Why a gateway transaction is not the one this payment asked for, or null when it is: the right type, a
 * merchant_txn_ref equal to the session, the session's amount and currency, our merchant. Money is only recorded
 * for a transaction that passes: nothing a storefront writes can point a session at someone else's transaction.
 */
export function transactionMismatch(envelope: TransactionEnvelope, expected: ExpectedTransaction): string | null {
  const problems: string[] = []
  const type = envelope.transaction_type?.toUpperCase()
  if (type && !expected.types.includes(type)) problems.push(`type ${type}`)
  const ref = envelope.merchant_details?.merchant_txn_ref ?? envelope.transaction_details?.merchant_txn_ref
  if (ref !== expected.sessionId) problems.push(ref ? `reference ${ref}` : "no merchant_txn_ref")
  const paid = envelope.payment_details?.amount
  const currency = envelope.payment_details?.currency?.toLowerCase()
  if (currency !== expected.currencyCode) problems.push(currency ? `currency ${currency.toUpperCase()}` : "no currency")
  else if (paid === null || paid === undefined) problems.push("no amount")
  else if (normalizeAmount(paid, expected.currencyCode) !== normalizeAmount(expected.amount, expected.currencyCode)) {
    problems.push(`amount ${paid} instead of ${expected.amount}`)
  }
  const mid = envelope.merchant_details?.mid
  if (mid && mid !== expected.merchantId) problems.push("another merchant")
  return problems.length ? problems.join(", ") : null
}

export function assertTransactionMatches(envelope: TransactionEnvelope, expected: ExpectedTransaction): void {
  const problem = transactionMismatch(envelope, expected)
  if (problem) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `PaymentOptions: the gateway's transaction does not belong to payment session ${expected.sessionId} (${problem}); not accepted.`
    )
  }
}
