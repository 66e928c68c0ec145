import { MedusaError } from "@medusajs/framework/utils"
import { maskPans } from "./masking"

/**
 * How a gateway call ended when it did not succeed. One classification, used by every operation:
 * - declined: the gateway or the acquirer refused; nothing happened
 * - invalid_request: our request was malformed or not allowed in the transaction's state
 * - authentication: credentials refused (401/403)
 * - not_found: unknown transaction id
 * - unavailable: the request never reached the gateway (connection refused, DNS); safe to retry
 * - outcome_unknown: the request may have been processed (timeout after sending, 5xx, unclear or
 *   pending response code, a body we cannot read); reconcile with Transaction Status, never resend
 * - invalid_response: a read-only call answered something we cannot parse
 */
export type GatewayErrorKind =
  | "declined"
  | "invalid_request"
  | "authentication"
  | "not_found"
  | "unavailable"
  | "outcome_unknown"
  | "invalid_response"

export interface GatewayErrorDetails {
  kind: GatewayErrorKind
  operation: string
  httpStatus?: number
  code?: string | null
  responseCode?: number | null
  gatewayMessage?: string | null
  /** The transaction the gateway created, when its answer named one (needed to settle an unknown outcome). */
  transactionId?: string | null
  cause?: string
}

export class PaymentOptionsError extends Error {
  readonly kind: GatewayErrorKind
  readonly operation: string
  readonly httpStatus?: number
  readonly code?: string | null
  readonly responseCode?: number | null
  readonly gatewayMessage?: string | null
  readonly transactionId?: string | null

  constructor(details: GatewayErrorDetails) {
    super(describe(details))
    this.name = "PaymentOptionsError"
    this.kind = details.kind
    this.operation = details.operation
    this.httpStatus = details.httpStatus
    this.code = details.code
    this.responseCode = details.responseCode
    this.gatewayMessage = details.gatewayMessage ? maskPans(details.gatewayMessage) : details.gatewayMessage
    this.transactionId = details.transactionId
  }
}

const KIND_TEXT: Record<GatewayErrorKind, string> = {
  declined: "was declined",
  invalid_request: "was rejected as invalid",
  authentication: "was refused: the gateway did not accept the credentials (check the apiKey, xApiKey and merchantId options)",
  not_found: "failed: the gateway does not know the transaction",
  unavailable: "could not reach the gateway; nothing was sent, it is safe to try again",
  outcome_unknown: "has an unknown outcome; do not retry before checking the transaction at PaymentOptions",
  invalid_response: "got an answer from the gateway that could not be read",
}

function describe(d: GatewayErrorDetails): string {
  const facts = [
    d.code ? `code ${d.code}` : null,
    d.gatewayMessage ? `"${maskPans(d.gatewayMessage)}"` : null,
    d.responseCode !== undefined && d.responseCode !== null ? `response code ${d.responseCode}` : null,
    d.httpStatus ? `HTTP ${d.httpStatus}` : null,
    d.transactionId ? `transaction ${d.transactionId}` : null,
    d.cause ? maskPans(d.cause) : null,
  ].filter(Boolean)
  return `PaymentOptions ${d.operation} ${KIND_TEXT[d.kind]}${facts.length ? ` (${facts.join(", ")})` : ""}.`
}

const MEDUSA_TYPE: Record<GatewayErrorKind, string> = {
  declined: MedusaError.Types.NOT_ALLOWED,
  invalid_request: MedusaError.Types.INVALID_DATA,
  not_found: MedusaError.Types.NOT_FOUND,
  // 5xx types keep the message visible in Medusa's error handler (UNAUTHORIZED would log the admin out).
  authentication: MedusaError.Types.UNEXPECTED_STATE,
  unavailable: MedusaError.Types.UNEXPECTED_STATE,
  outcome_unknown: MedusaError.Types.UNEXPECTED_STATE,
  invalid_response: MedusaError.Types.UNEXPECTED_STATE,
}

/** Any error from a gateway call as a MedusaError with a message an operator can act on. */
export function toMedusaError(error: unknown): MedusaError {
  if (error instanceof MedusaError) return error
  if (error instanceof PaymentOptionsError) {
    return new MedusaError(MEDUSA_TYPE[error.kind], error.message)
  }
  const message = error instanceof Error ? error.message : String(error)
  return new MedusaError(MedusaError.Types.UNEXPECTED_STATE, `PaymentOptions: ${maskPans(message)}`)
}
