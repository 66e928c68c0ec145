import { PaymentSessionStatus } from "@medusajs/framework/utils"
import { classifyResponseCode } from "./response-codes"
import type { TransactionEnvelope } from "./schemas"

export type TransactionOutcome = "succeeded" | "declined" | "pending"
export type RefundStatus = "succeeded" | "pending" | "failed"

/**
 * What Transaction Status says happened to a transaction (API.md §6 rule of thumb, §8 classes). Only an explicit
 * refusal is a decline: a declining acquirer response code, or an ERR…/VAL… gateway code. Anything else that is not
 * a clean success (`success:false` with an INFO code such as "being processed", an unclear or pending response
 * code, a success that contradicts itself) is pending: asked again later, never read as final.
 */
export function outcomeOf(envelope: TransactionEnvelope): TransactionOutcome {
  const cls = classifyResponseCode(envelope.payment_details?.response_code)
  const code = envelope.gateway_response.code
  if (cls === "unclear" || cls === "pending") return "pending"
  if (envelope.success && /^INFO/i.test(code) && (cls === undefined || cls === "approved")) return "succeeded"
  // "retryable" (issuer unavailable, try again) ends this transaction: a new one would be a new attempt.
  if (cls === "declined" || cls === "invalid" || cls === "retryable" || /^(ERR|VAL)/i.test(code)) return "declined"
  return "pending"
}

/** How a checkout transaction maps to Medusa: a sale is captured when it succeeds, a PRE_AUTH is authorized. */
export function sessionStatusOf(outcome: TransactionOutcome, captures: boolean): PaymentSessionStatus {
  switch (outcome) {
    case "succeeded":
      return captures ? PaymentSessionStatus.CAPTURED : PaymentSessionStatus.AUTHORIZED
    case "pending":
      return PaymentSessionStatus.PENDING
    case "declined":
      return PaymentSessionStatus.ERROR
  }
}

export function refundStatusOf(outcome: TransactionOutcome): RefundStatus {
  return outcome === "succeeded" ? "succeeded" : outcome === "pending" ? "pending" : "failed"
}
