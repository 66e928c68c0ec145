import type { OperationPatch, OperationRecord } from "../../modules/paymentoptions/types"
import type { GatewayContext } from "./context"
import { PaymentOptionsError } from "./errors"
import { maskCard, maskPans } from "./masking"
import type { TransactionEnvelope } from "./schemas"
import { outcomeOf } from "./status"

/** What the operation log keeps of a gateway transaction envelope (never the card number). */
export function envelopeFacts(envelope: TransactionEnvelope): OperationPatch {
  const ref = envelope.transaction_details?.ref
  const token = envelope.payment_details?.additional_data?.stored_payment_method_id
  const facts: OperationPatch = {
    transaction_id: envelope.transaction_details?.id ?? null,
    transaction_ref: ref === null || ref === undefined ? null : String(ref),
    code: envelope.gateway_response.code,
    message: envelope.gateway_response.message ? maskPans(envelope.gateway_response.message) : null,
    response_code: envelope.payment_details?.response_code ?? null,
  }
  // Added in place (a fresh object; every money call's answer goes through here).
  if (envelope.payment_details?.card || envelope.payment_details?.scheme) {
    facts.card = maskCard(envelope.payment_details?.card, envelope.payment_details?.scheme) as unknown as Record<string, unknown>
  }
  if (typeof token === "string" && token) facts.issued_token = token
  return facts
}

export function errorFacts(error: PaymentOptionsError): OperationPatch {
  return {
    ...(error.transactionId ? { transaction_id: error.transactionId } : {}),
    code: error.code ?? null,
    message: maskPans(error.gatewayMessage ?? error.message),
    response_code: error.responseCode ?? null,
  }
}

/** The final state of an operation from a Transaction Status envelope. */
export function settledPatch(envelope: TransactionEnvelope): OperationPatch {
  const outcome = outcomeOf(envelope)
  return {
    ...envelopeFacts(envelope),
    status: outcome === "succeeded" ? "succeeded" : outcome === "declined" ? "declined" : "pending",
    ...(outcome === "pending" ? {} : { settled_at: new Date().toISOString() }),
  }
}

/** Transaction Status, or null when the gateway does not know the id (yet) or cannot be reached. */
export async function statusOf(ctx: GatewayContext, transactionId: string): Promise<TransactionEnvelope | null> {
  try {
    return await ctx.client.getTransactionStatus(transactionId)
  } catch (error) {
    if (error instanceof PaymentOptionsError && ["not_found", "unavailable", "invalid_response"].includes(error.kind)) return null
    throw error
  }
}

/** Polls Transaction Status until the transaction is final or `withinMs` is over; null if it could not be read. */
export async function pollStatus(ctx: GatewayContext, transactionId: string, withinMs: number): Promise<TransactionEnvelope | null> {
  const deadline = Date.now() + withinMs
  let last: TransactionEnvelope | null = null
  for (;;) {
    last = (await statusOf(ctx, transactionId)) ?? last
    if (last && outcomeOf(last) !== "pending") return last
    if (Date.now() + ctx.options.refundSettleIntervalMs > deadline) return last
    await new Promise((resolve) => setTimeout(resolve, ctx.options.refundSettleIntervalMs))
  }
}

export function isUnsettled(op: OperationRecord): boolean {
  return op.status === "sending" || op.status === "pending" || op.status === "unknown"
}

const NOTES_MAX = 128

/** The gateway's free-text `notes` of a follow-up call: carries the Medusa id so the portal can be searched by it. */
export function notes(prefix: string, id: string | null | undefined): string | undefined {
  return id ? `${prefix} ${id}`.slice(0, NOTES_MAX) : undefined
}

/**
 * A gateway id in a log line or a message a storefront may see: enough to find it in the portal next to the session
 * id, never a whole PRE_AUTH id (a PRE_AUTH id is as good as the authorization to whoever can call capture).
 */
export function shortId(id: string | null | undefined): string {
  if (!id) return "(no id)"
  return id.length > 8 ? `${id.slice(0, 8)}…` : id
}
