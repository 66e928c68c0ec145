import { Logger } from "@medusajs/framework/types"
import { PaymentOptionsClient } from "./client"
import { PaymentOptionsError } from "./errors"
import { maskPans } from "./masking"
import { pendingRefundIds, RefundRecord } from "./payment-data"
import { TransactionEnvelope } from "./schemas"
import { outcomeOf, refundStatusOf } from "./status"

/** The facts of a gateway refund transaction as they are kept in `payment.data.refunds[<id>]`. */
export function refundFacts(envelope: TransactionEnvelope, status: RefundRecord["status"]) {
  const ref = envelope.transaction_details?.ref
  return {
    ref: ref === null || ref === undefined ? null : String(ref),
    transaction_id: envelope.transaction_details?.id ?? null,
    status,
    code: envelope.gateway_response.code,
    message: envelope.gateway_response.message ? maskPans(envelope.gateway_response.message) : null,
  }
}

/** Polls Transaction Status until the transaction is final or the time is up; null if it could not be read. */
export async function settleTransaction(
  client: PaymentOptionsClient,
  transactionId: string,
  withinMs: number,
  intervalMs: number
): Promise<TransactionEnvelope | null> {
  const deadline = Date.now() + withinMs
  let last: TransactionEnvelope | null = null
  for (;;) {
    try {
      last = await client.getTransactionStatus(transactionId)
      if (outcomeOf(last) !== "pending") return last
    } catch (error) {
      if (!(error instanceof PaymentOptionsError)) throw error
    }
    if (Date.now() + intervalMs > deadline) return last
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/**
 * Asks the gateway once about every pending refund that has a gateway id and updates the records in
 * place. Returns the ids whose status changed. A pending refund without a gateway id cannot be looked up.
 */
export async function settlePendingRefunds(
  client: PaymentOptionsClient,
  refunds: Record<string, RefundRecord>,
  logger?: Logger
): Promise<string[]> {
  const changed: string[] = []
  for (const id of pendingRefundIds(refunds)) {
    const record = refunds[id]
    if (!record.transaction_id) continue
    const envelope = await settleTransaction(client, record.transaction_id, 0, 0)
    if (!envelope) continue
    const outcome = outcomeOf(envelope)
    if (outcome === "pending") continue
    refunds[id] = { ...record, ...refundFacts(envelope, refundStatusOf(outcome)), settled_at: new Date().toISOString() }
    changed.push(id)
    if (outcome === "declined") {
      logger?.warn(
        `PaymentOptions refund ${id} turned out declined at the gateway; Medusa still lists it as a refund. Reconcile it in the admin.`
      )
    }
  }
  return changed
}
